using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>
/// The finished folds of a cross-validation, one file per seed and fold under <c>REPORT/folds/</c>, so a run that
/// stops — a machine restart, Ctrl+C, a session that ends — goes on from the first fold it had not finished (a full
/// five-fold run is hours on two cores). A file holds the fold's out-of-fold scores under every evaluation (clips, truth,
/// prediction, every scored window's raw probabilities) and its training curve, with a fingerprint of what decides them:
/// the recipe (every option, the seed included), the number of folds, the conditions scored, the feature schema and
/// the corpus's clips in order. A file whose fingerprint differs is refused with its name; <c>--restart</c> deletes
/// the saved folds and computes all of them again. Files are written whole (a temporary file, then a rename), so a run
/// killed while writing leaves the previous state. Beside each fold its trained nets are kept (<c>seed-S-fold-F.nets</c>,
/// ≈ 2 MB, fingerprinted without how the output is read or which conditions are scored), so a fold that has to be scored
/// again — a candidate that reads the same nets otherwise, an evaluation a later build adds — is not trained again.
/// </summary>
public sealed class FoldCheckpoints
{
    public const string Folder = "folds";
    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true };
    private readonly string _dir;
    private readonly string _fingerprint;

    private readonly string _netsFingerprint;

    private FoldCheckpoints(string dir, string fingerprint, string netsFingerprint)
    {
        _dir = dir;
        _fingerprint = fingerprint;
        _netsFingerprint = netsFingerprint;
    }

    /// <summary>The store under <paramref name="reportDir"/> for this cross-validation; with <paramref name="restart"/>
    /// every fold saved there before is deleted first.</summary>
    public static FoldCheckpoints Open(string reportDir, Corpus corpus, TrainingRecipe recipe, int k, IReadOnlyList<string> conditions, bool restart)
    {
        string dir = Path.Combine(reportDir, Folder);
        if (restart && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        return new FoldCheckpoints(dir, Fingerprint(corpus, recipe, k, conditions), NetsFingerprint(corpus, recipe, k));
    }

    /// <summary>A hash of everything that decides a fold's trained nets: the recipe without how its output is read
    /// (<see cref="TrainingRecipe.NetsOnly"/>), the number of folds, the feature schema and the clips — not the
    /// conditions scored.</summary>
    public static string NetsFingerprint(Corpus corpus, TrainingRecipe recipe, int k) => Fingerprint(corpus, recipe.NetsOnly(), k, ["(nets)"]);

    /// <summary>A hash of everything that decides a fold's scores but the code itself.</summary>
    public static string Fingerprint(Corpus corpus, TrainingRecipe recipe, int k, IReadOnlyList<string> conditions)
    {
        var text = new StringBuilder();
        text.Append(JsonSerializer.Serialize(recipe, Options)).Append('\n');
        text.Append($"folds {k}; conditions {string.Join(",", conditions)}; schema {FeatureSchema.Version}\n");
        foreach (var clip in corpus.Clips) text.Append(clip.Corpus).Append('/').Append(clip.Speaker).Append('/').Append(clip.Name).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Every fold saved under <paramref name="reportDir"/> (a <c>cv --report</c> folder), by seed and fold number
    /// (from 1, as in the file name <c>seed-S-fold-F.json</c>), whatever cross-validation it belongs to. Throws
    /// <see cref="UsageException"/> when there is none or a file cannot be read.</summary>
    public static SortedDictionary<(int Seed, int Fold), SavedFold> ReadAll(string reportDir)
    {
        var files = Files(reportDir, ".json");
        if (files.Count == 0) throw new UsageException($"{reportDir} has no saved folds ({Path.Combine(reportDir, Folder, "seed-S-fold-F.json")}): is it a cv --report folder?");
        var folds = new SortedDictionary<(int Seed, int Fold), SavedFold>();
        foreach (var ((seed, fold), path) in files)
        {
            try
            {
                folds[(seed, fold)] = JsonSerializer.Deserialize<SavedFold>(File.ReadAllBytes(path), Options)
                    is { Scores: not null } saved ? saved : throw new UsageException($"{path} is not a saved fold");
            }
            catch (JsonException e)
            {
                throw new UsageException($"{path} is not a saved fold ({e.Message})");
            }
        }
        return folds;
    }

    /// <summary>The files named as cv names a fold's (<c>seed-S-fold-F</c>, fold from 1) with this extension under the
    /// report folder's <see cref="Folder"/>, by seed and fold; other names are not cv's and are passed over.</summary>
    public static SortedDictionary<(int Seed, int Fold), string> Files(string reportDir, string extension)
    {
        string dir = Path.Combine(reportDir, Folder);
        var files = new SortedDictionary<(int Seed, int Fold), string>();
        if (!Directory.Exists(dir)) return files;
        foreach (var path in Directory.GetFiles(dir, "seed-*-fold-*" + extension))
        {
            var parts = Path.GetFileNameWithoutExtension(path).Split('-');
            if (parts.Length == 4 && int.TryParse(parts[1], out int seed) && int.TryParse(parts[3], out int fold)) files[(seed, fold)] = path;
        }
        return files;
    }

    /// <summary>A saved fold's name: <c>seed-S-fold-F</c>, fold numbered from 1.</summary>
    public static string Name(int seed, int fold) => $"seed-{seed}-fold-{fold}";

    public string PathOf(int seed, int fold) => Path.Combine(_dir, Name(seed, fold + 1) + ".json");

    /// <summary>The saved fold, or null if it was not finished. Throws <see cref="UsageException"/> naming the file if it
    /// belongs to another cross-validation or cannot be read.</summary>
    public SavedFold? Load(int seed, int fold)
    {
        string path = PathOf(seed, fold);
        if (!File.Exists(path)) return null;
        SavedFold? saved;
        try
        {
            saved = JsonSerializer.Deserialize<SavedFold>(File.ReadAllBytes(path), Options);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not a saved fold ({e.Message}); delete it or give --restart");
        }
        if (saved is null || saved.Scores is null || saved.Curve is null) throw new UsageException($"{path} is not a saved fold; delete it or give --restart");
        if (saved.Fingerprint != _fingerprint)
            throw new UsageException($"{path} holds a fold of another cross-validation (its recipe, seed, folds, conditions, features or clips differ); " +
                                     "give another --report folder, or --restart to compute every fold again");
        return saved;
    }

    public string NetsPathOf(int seed, int fold) => Path.Combine(_dir, Name(seed, fold + 1) + ".nets");

    /// <summary>A fold's trained nets and their curve, saved (<see cref="SaveNets"/>) by a run of a recipe that trains the
    /// same nets; null when there are none, or they are another recipe's or unreadable (said on stderr: the fold is then
    /// trained again) — unless <paramref name="refuse"/> is given, which turns what is wrong with the file into the
    /// exception thrown instead (a reader that trains nothing).</summary>
    public (List<EmotionNet> Nets, List<EpochReport> Curve, DateTime Written)? LoadNets(int seed, int fold, Func<string, Exception>? refuse = null)
    {
        string path = NetsPathOf(seed, fold);
        if (!File.Exists(path)) return refuse is null ? null : throw refuse($"{path} does not exist");
        string problem;
        try
        {
            var saved = JsonSerializer.Deserialize<SavedNets>(File.ReadAllBytes(path), Options);
            if (saved?.Nets is null || saved.Curve is null) throw new JsonException("no nets");
            if (saved.Fingerprint == _netsFingerprint) return ([.. saved.Nets.Select(EmotionNet.Restore)], saved.Curve, saved.Written);
            problem = $"{path} holds nets of another recipe, corpus or number of folds";
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            problem = $"{path} is not a fold's saved nets ({e.Message})";
        }
        if (refuse is not null) throw refuse(problem);
        Console.Error.WriteLine($"cv: {problem}; training the fold");
        return null;
    }

    /// <summary>Keeps a fold's trained nets (every value that decides their output) and their curve, so that a later
    /// run scores them — another reading of them (<see cref="TrainingRecipe.ReadsSameNets"/>), an evaluation added by a
    /// later build — without training them again.</summary>
    public void SaveNets(int seed, int fold, IReadOnlyList<EmotionNet> nets, IReadOnlyList<EpochReport> curve)
    {
        WriteWhole(NetsPathOf(seed, fold), new SavedNets(_netsFingerprint, DateTime.UtcNow, [.. curve], [.. nets.Select(n => n.Snapshot())]));
    }

    /// <summary>Writes <paramref name="value"/> as JSON (fields included) to a temporary file, then renames it: a run
    /// killed while writing leaves the previous state.</summary>
    internal static void WriteWhole<T>(string path, T value)
    {
        string temporary = path + ".part";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(value, Options));
        File.Move(temporary, path, overwrite: true);
    }

    public void Save(int seed, int fold, IReadOnlyDictionary<string, ClipScores> scores, IReadOnlyList<EpochReport> curve)
    {
        var saved = new SavedFold(_fingerprint, DateTime.UtcNow, [.. curve],
            scores.ToDictionary(p => p.Key, p => new SavedScores(p.Value.Clips, p.Value.Truth, p.Value.Predicted,
                [.. p.Value.Windows.Select(w => w.Raw)], [.. p.Value.Windows.Select(w => w.Truth)],
                p.Value.WindowSeconds.Length > 0 ? p.Value.WindowSeconds : null)));
        WriteWhole(PathOf(seed, fold), saved);
        string reportDir = Path.GetDirectoryName(_dir)!;
        try
        {
            FoldConfusions.WriteFor(reportDir);
        }
        catch (UsageException e)
        {
            // The fold itself is saved; only its compact copy waits (fold-confusions --report DIR writes it later).
            Console.Error.WriteLine($"cv: {Path.Combine(reportDir, FoldConfusions.FileName)} not updated: {e.Message}");
        }
    }
}

/// <summary>A fold's scores of one evaluation as saved; <paramref name="WindowSeconds"/> (streaming only, since stop 53)
/// is absent from folds saved before, whose scores then carry none.</summary>
public sealed record SavedScores(int[] Clips, int[] Truth, int[] Predicted, float[][] Raw, int[] WindowTruth, double[]? WindowSeconds = null)
{
    public ClipScores ToScores() => new(Clips, Truth, Predicted, [.. Raw.Select((r, i) => (r, WindowTruth[i]))], WindowSeconds);
}

public sealed record SavedFold(string Fingerprint, DateTime Written, List<EpochReport> Curve, Dictionary<string, SavedScores> Scores);

/// <summary>A fold's trained nets (<see cref="FoldCheckpoints.SaveNets"/>).</summary>
public sealed record SavedNets(string Fingerprint, DateTime Written, List<EpochReport> Curve, List<NetState> Nets);

using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>
/// What a cross-validation's saved folds decide, small enough to keep in the repository: per seed, fold and evaluation,
/// the fold's clips as a confusion matrix (truth by prediction, the seven classes). Macro-F1 is a function of that matrix
/// alone (<see cref="Metrics.FromConfusion"/>), so folds pooled by summing their matrices give the figures <c>compare</c>
/// reads from the saved folds themselves, to the last digit — without every window's probabilities, which make a saved
/// fold megabytes. <c>cv</c> rewrites <c>REPORT/fold-confusions.json</c> each time it saves a fold;
/// <c>fold-confusions --report DIR</c> writes it for a folder saved by an earlier build. A baseline kept this way
/// (docs/model/folds/) outlives the machine its folds were trained on: a later experiment is paired with it without
/// training it again.
/// </summary>
public static class FoldConfusions
{
    public const string FileName = "fold-confusions.json";
    public const string Kind = "voiceemotion cv fold confusions";
    public const int Version = 1;

    /// <summary>One fold: the fingerprint of the cross-validation it belongs to (<see cref="FoldCheckpoints.Fingerprint"/>)
    /// and a confusion matrix per evaluation key (clip, streaming, sessions, clip/CONDITION).</summary>
    public sealed record Fold(int Seed, int Number, string Fingerprint, Dictionary<string, int[][]> Confusion);

    private sealed record FileContents(string Kind, int Version, string[] Labels, List<Fold> Folds);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The confusion matrices of saved folds (by seed and fold number from 1).</summary>
    public static SortedDictionary<(int Seed, int Fold), Fold> Of(IReadOnlyDictionary<(int Seed, int Fold), SavedFold> saved)
    {
        var folds = new SortedDictionary<(int Seed, int Fold), Fold>();
        foreach (var ((seed, fold), s) in saved)
            folds[(seed, fold)] = new Fold(seed, fold, s.Fingerprint,
                s.Scores.ToDictionary(p => p.Key, p => Metrics.Compute(EmotionLabels.All, p.Value.Truth, p.Value.Predicted).Confusion, StringComparer.Ordinal));
        return folds;
    }

    /// <summary>Writes <paramref name="folds"/> to <paramref name="path"/> whole (a temporary file, then a rename).</summary>
    public static void Write(string path, IReadOnlyDictionary<(int Seed, int Fold), Fold> folds)
    {
        var contents = new FileContents(Kind, Version, [.. EmotionLabels.All], [.. folds.Values]);
        string temporary = path + ".part";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(contents, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Rewrites <c>REPORT/fold-confusions.json</c> from every fold saved under the report folder.</summary>
    public static string WriteFor(string reportDir, string? path = null)
    {
        path ??= Path.Combine(reportDir, FileName);
        Write(path, Of(FoldCheckpoints.ReadAll(reportDir)));
        return path;
    }

    /// <summary>True when <paramref name="path"/> is a file this class wrote (by its <c>kind</c>), not a cv summary.</summary>
    public static bool IsConfusionFile(string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject o && o["kind"] is JsonValue v && v.TryGetValue(out string? kind) && kind == Kind;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The folds of a <c>cv --report</c> folder (from its saved folds) or of a fold-confusions file. Throws
    /// <see cref="UsageException"/> naming what is wrong.</summary>
    public static SortedDictionary<(int Seed, int Fold), Fold> Load(string folderOrFile)
    {
        if (Directory.Exists(folderOrFile)) return Of(FoldCheckpoints.ReadAll(folderOrFile));
        FileContents? contents;
        try
        {
            contents = JsonSerializer.Deserialize<FileContents>(File.ReadAllBytes(folderOrFile), Json);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{folderOrFile} is not a fold-confusions file ({e.Message})");
        }
        if (contents is null || contents.Kind != Kind || contents.Folds is null)
            throw new UsageException($"{folderOrFile} is not a fold-confusions file (cv writes them as REPORT/{FileName})");
        if (contents.Version != Version)
            throw new UsageException($"{folderOrFile} is a fold-confusions file of version {contents.Version}; this build reads version {Version}");
        if (contents.Labels is null || !contents.Labels.SequenceEqual(EmotionLabels.All))
            throw new UsageException($"{folderOrFile} counts other classes ({string.Join(", ", contents.Labels ?? [])}) than this build ({string.Join(", ", EmotionLabels.All)})");
        int k = EmotionLabels.All.Count;
        var folds = new SortedDictionary<(int Seed, int Fold), Fold>();
        foreach (var fold in contents.Folds)
        {
            if (fold.Confusion is null || fold.Confusion.Values.Any(m => m is null || m.Length != k || m.Any(row => row is null || row.Length != k || row.Any(n => n < 0))))
                throw new UsageException($"{folderOrFile}: fold {FoldCheckpoints.Name(fold.Seed, fold.Number)} holds a matrix that is not {k} × {k} counts");
            if (!folds.TryAdd((fold.Seed, fold.Number), fold))
                throw new UsageException($"{folderOrFile} holds {FoldCheckpoints.Name(fold.Seed, fold.Number)} twice");
        }
        if (folds.Count == 0) throw new UsageException($"{folderOrFile} holds no fold");
        return folds;
    }

    /// <summary>Macro-F1 per evaluation key both sides share: per seed the chosen folds' matrices summed (the folds'
    /// clips pooled, as cv pools them), then the mean over seeds.</summary>
    public static Dictionary<string, double> Pooled(IReadOnlyDictionary<(int Seed, int Fold), Fold> folds, IReadOnlyList<(int Seed, int Fold)> chosen)
    {
        var keys = folds[chosen[0]].Confusion.Keys.Where(k => chosen.All(f => folds[f].Confusion.ContainsKey(k))).ToList();
        int n = EmotionLabels.All.Count;
        var bySeed = chosen.GroupBy(f => f.Seed).ToList();
        return keys.ToDictionary(key => key, key => bySeed.Average(seed =>
        {
            var sum = Enumerable.Range(0, n).Select(_ => new int[n]).ToArray();
            foreach (var f in seed)
                for (int t = 0; t < n; t++)
                for (int p = 0; p < n; p++)
                    sum[t][p] += folds[f].Confusion[key][t][p];
            return Metrics.FromConfusion(EmotionLabels.All, sum).MacroF1;
        }), StringComparer.Ordinal);
    }
}

using System.Diagnostics;
using VoiceEmotion.Pipeline.Datasets;

namespace VoiceEmotion.Training;

/// <summary>What one seed of a cross-validation produced: out-of-fold scores per evaluation (key), per fold.</summary>
public sealed class SeedResult(int seed)
{
    public int Seed { get; } = seed;

    /// <summary>Key ("clip", "streaming", "sessions", "clip/CONDITION") → per-fold scores.</summary>
    public Dictionary<string, List<ClipScores>> Scores { get; } = [];

    public List<List<EpochReport>> Curves { get; } = [];

    public EvaluationResult Metrics(string key, int skipped, Func<int, bool>? keep = null)
    {
        var all = ClipScores.Concat(Scores[key]);
        return Evaluation.Metrics(keep is null ? all : all.Where(keep), keep is null ? skipped : 0);
    }
}

public sealed record CrossValidationResult(IReadOnlyList<SeedResult> Seeds, IReadOnlyList<string> Keys, IReadOnlyList<IReadOnlyList<string>> FoldSpeakers, int Skipped, double Seconds,
    IReadOnlyDictionary<string, Func<int, bool>> Subsets, int ResumedFolds = 0)
{
    /// <summary>Mean macro-F1 (and per seed) per evaluation key, for the JSON summary.</summary>
    public Dictionary<string, object> Summary() => Keys.ToDictionary(k => k, k => (object)new
    {
        macroF1 = Seeds.Select(s => s.Metrics(k, Skipped).MacroF1).ToArray(),
        mean = Seeds.Average(s => s.Metrics(k, Skipped).MacroF1),
        subsets = Subsets.ToDictionary(p => p.Key, p => Seeds.Select(s => s.Metrics(k, 0, p.Value).MacroF1).ToArray()),
    });

    public IEnumerable<string> SummaryLines() =>
        Keys.Select(k => $"{k}: macro-F1 {Commands.MeanSd(Seeds.Select(s => s.Metrics(k, Skipped).MacroF1))} over {Seeds.Count} seed(s)" +
                         string.Concat(Subsets.Select(p => $"; {p.Key} {Commands.MeanSd(Seeds.Select(s => s.Metrics(k, 0, p.Value).MacroF1))}")));
}

/// <summary>
/// Speaker-grouped k-fold: every fold's model is trained on the other folds' speakers only, then scores the held-out
/// speakers' clips clip-level, streaming (each clip alone through the live session), as one live session per speaker,
/// and clip-level under each named line condition. Repeated for several seeds (different initialisation, example
/// order and augmentation draws; same folds).
/// </summary>
public static class CrossValidation
{
    /// <summary>Runs the cross-validation; with <paramref name="checkpoints"/> every finished fold is saved there and a
    /// fold saved before is taken from it instead of being trained and scored again. With <paramref name="only"/> (fold
    /// indices from 0; needs <paramref name="checkpoints"/>) every other fold not saved yet is left for a later run, and
    /// the result is null unless every fold of every seed was then at hand.</summary>
    public static CrossValidationResult? Run(Corpus corpus, TrainingRecipe recipe, int k, int seeds, IReadOnlyList<string> conditions,
        FoldCheckpoints? checkpoints = null, IReadOnlySet<int>? only = null)
    {
        var watch = Stopwatch.StartNew();
        var folds = corpus.Folds(k);
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var keys = new List<string> { "clip", "streaming", "sessions" };
        keys.AddRange(conditions.Select(c => "clip/" + c));
        var results = new List<SeedResult>();
        if (only is not null && checkpoints is null) throw new ArgumentException("a subset of folds is kept only in saved folds", nameof(only));
        int resumed = 0, left = 0;
        for (int s = 0; s < seeds; s++)
        {
            var seeded = recipe with { Train = recipe.Train with { Seed = recipe.Train.Seed + s } };
            var result = new SeedResult(seeded.Train.Seed);
            foreach (var key in keys) result.Scores[key] = [];
            for (int f = 0; f < k; f++)
            {
                string label = $"seed {seeded.Train.Seed}, fold {f + 1}/{k}";
                if (checkpoints?.Load(seeded.Train.Seed, f) is { } saved)
                {
                    // The fingerprint covers the conditions, so a saved fold has every key.
                    foreach (var key in keys) result.Scores[key].Add(saved.Scores[key].ToScores());
                    result.Curves.Add(saved.Curve);
                    Console.Error.WriteLine($"{label}: taken from {checkpoints.PathOf(seeded.Train.Seed, f)} (finished {saved.Written:yyyy-MM-dd HH:mm} UTC)");
                    ReportFold(corpus, folds[f], keys, result, label, watch);
                    resumed++;
                    continue;
                }
                if (only is not null && !only.Contains(f))
                {
                    left++;
                    continue;
                }
                var held = folds[f].ToHashSet();
                var train = all.Where(c => !held.Contains(c)).ToList();
                var heldFeatures = corpus.Features(folds[f]);
                var curve = new List<EpochReport>();
                var members = ProgressReporter.Run(label, p => seeded.Fit(corpus, train, p, (report, net) =>
                {
                    // Diagnostic only (no recipe choice is made on it): held-out clip-level macro-F1 after each epoch.
                    var scores = new Scorer(new NetClassifier([net], DatasetLoader.TrainingLabels)).ClipLevel(heldFeatures);
                    curve.Add(report with { ValidationMacroF1 = Evaluation.Metrics(scores).MacroF1 });
                }));
                result.Curves.Add(curve);
                var scorer = new Scorer(new NetClassifier(members, DatasetLoader.TrainingLabels));
                foreach (var key in keys)
                {
                    var (mode, condition) = key switch
                    {
                        "clip" => (ScoreMode.Clip, "clean"),
                        "streaming" => (ScoreMode.Streaming, "clean"),
                        "sessions" => (ScoreMode.Sessions, "clean"),
                        _ => (ScoreMode.Clip, key["clip/".Length..]),
                    };
                    result.Scores[key].Add(Evaluation.Score(corpus, folds[f], scorer, mode, condition, seeded.Train.Seed, keepFeatures: condition == "clean"));
                }
                corpus.Forget(folds[f]);
                checkpoints?.Save(seeded.Train.Seed, f, keys.ToDictionary(key => key, key => result.Scores[key][^1]), curve);
                ReportFold(corpus, folds[f], keys, result, label, watch);
            }
            results.Add(result);
        }
        if (left > 0) return null;
        var speakers = folds.Select(fold => (IReadOnlyList<string>)fold.Select(c => corpus.Clips[c].Speaker).Distinct().ToList()).ToList();
        var subsets = corpus.Clips.Select(c => c.Corpus).Distinct().Order(StringComparer.Ordinal).ToList();
        var perCorpus = subsets.Count > 1
            ? subsets.ToDictionary(name => name, name => (Func<int, bool>)(c => corpus.Clips[c].Corpus == name))
            : new Dictionary<string, Func<int, bool>>();
        return new CrossValidationResult(results, keys, speakers, corpus.Skipped, watch.Elapsed.TotalSeconds, perCorpus, resumed);
    }

    // One line per fold (the one just added to the result): every evaluation's macro-F1, per corpus when there are
    // several ("–" for a corpus with no speaker in the fold, not a score of 0).
    private static void ReportFold(Corpus corpus, IReadOnlyList<int> fold, List<string> keys, SeedResult result, string label, Stopwatch watch)
    {
        var byCorpus = corpus.Clips.Select(c => c.Corpus).Distinct().ToList();
        string PerCorpus(ClipScores scores, string name) =>
            scores.Where(c => corpus.Clips[c].Corpus == name) is { Clips.Length: > 0 } part ? Evaluation.Metrics(part).MacroF1.ToString("F2") : "–";
        Console.Error.WriteLine($"{label}: " + string.Join(", ", keys.Select(key => $"{key} {Evaluation.Metrics(result.Scores[key][^1]).MacroF1:F3}" +
            (byCorpus.Count > 1 ? " (" + string.Join("/", byCorpus.Select(name => PerCorpus(result.Scores[key][^1], name))) + ")" : ""))) +
                                $" ({string.Join(", ", fold.Select(c => corpus.Clips[c].Speaker).Distinct())}; {watch.Elapsed.TotalMinutes:F1} min)");
    }
}

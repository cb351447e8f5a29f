using System.Diagnostics;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>What one seed of a cross-validation produced: out-of-fold scores per evaluation (key), per fold.</summary>
public sealed class SeedResult(int seed)
{
    public int Seed { get; } = seed;

    /// <summary>Key ("clip", "streaming", "sessions", "steady-sessions", "episode-sessions", "clip/CONDITION") → per-fold scores.</summary>
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
    /// <summary>The evaluation key of <see cref="ScoreMode.SteadySessions"/>: each held-out speaker's clips as one live
    /// session, one emotion at a time.</summary>
    public const string SteadySessions = "steady-sessions";

    /// <summary>The evaluation key of <see cref="ScoreMode.EpisodeSessions"/>: each held-out speaker's clips as calls that
    /// are half neutral, the other emotions in short episodes (<see cref="Scorer.EpisodeCalls"/>).</summary>
    public const string EpisodeSessions = "episode-sessions";

    /// <summary>The evaluation key of episode sessions over the realistic phone line ("phone-mix": background talkers at
    /// 15 dB, a GSM-class codec, a line 12 dB quieter, lost packets): the customer-service call as it reaches the service.
    /// One line for the whole call, its random parts (talkers, lost packets) drawn per clip.</summary>
    public const string EpisodeSessionsOnPhone = EpisodeSessions + "/phone-mix";

    /// <summary>How an evaluation key is scored: its mode and line condition ("clip/gsm" is clip-level through GSM,
    /// "episode-sessions/phone-mix" episode sessions through the phone mix).</summary>
    public static (ScoreMode Mode, string Condition) ModeOf(string key)
    {
        int slash = key.IndexOf('/');
        string mode = slash < 0 ? key : key[..slash], condition = slash < 0 ? "clean" : key[(slash + 1)..];
        return (mode switch
        {
            "clip" => ScoreMode.Clip,
            "streaming" => ScoreMode.Streaming,
            "sessions" => ScoreMode.Sessions,
            SteadySessions => ScoreMode.SteadySessions,
            EpisodeSessions => ScoreMode.EpisodeSessions,
            _ => throw new ArgumentException($"unknown evaluation key '{key}'", nameof(key)),
        }, condition);
    }

    /// <summary>Runs the cross-validation; with <paramref name="checkpoints"/> every finished fold is saved there and a
    /// fold saved before is taken from it instead of being trained and scored again. With <paramref name="only"/> (fold
    /// indices from 0; needs <paramref name="checkpoints"/>) every other fold not saved yet is left for a later run, and
    /// the result is null unless every fold of every seed was then at hand.</summary>
    public static CrossValidationResult? Run(Corpus corpus, TrainingRecipe recipe, int k, int seeds, IReadOnlyList<string> conditions,
        FoldCheckpoints? checkpoints = null, IReadOnlySet<int>? only = null) =>
        Run(corpus, [(recipe, checkpoints)], k, seeds, conditions, only)[0];

    /// <summary>
    /// The same for a baseline and candidate recipes at once (<paramref name="arms"/>, the baseline first, each with its
    /// own saved folds). A candidate that only reads the output otherwise (<see cref="TrainingRecipe.ReadsSameNets"/>:
    /// another session gate or session-following temperature) is scored on the baseline's nets, with no training of its
    /// own; at most one candidate trains, beside the baseline on one draw per epoch (<see cref="TrainingRecipe.FitPaired"/>).
    /// Every arm is scored on the same held-out clips, and its result is the one its own run would give. A fold is taken
    /// from the saved folds only when every arm has saved it; otherwise its nets are taken from the nets a run of the same
    /// recipes kept (<see cref="FoldCheckpoints.LoadNets"/>) or, when there are none, trained again (training is
    /// deterministic, so an arm's fold saved before is written again the same).
    /// </summary>
    public static CrossValidationResult?[] Run(Corpus corpus, IReadOnlyList<(TrainingRecipe Recipe, FoldCheckpoints? Checkpoints)> arms, int k, int seeds,
        IReadOnlyList<string> conditions, IReadOnlySet<int>? only = null)
    {
        if (arms.Count < 1) throw new ArgumentException("no recipe", nameof(arms));
        // The arm whose nets each arm is scored with: its own, or the baseline's when it only reads them otherwise.
        var netsOf = arms.Select((a, i) => i > 0 && arms[0].Recipe.ReadsSameNets(a.Recipe) ? 0 : i).ToArray();
        var trained = netsOf.Distinct().ToArray();
        if (trained.Length > 2) throw new ArgumentException("at most one candidate that trains nets of its own", nameof(arms));
        var watch = Stopwatch.StartNew();
        var folds = corpus.Folds(k);
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var keys = new List<string> { "clip", "streaming", "sessions", SteadySessions, EpisodeSessions, EpisodeSessionsOnPhone };
        keys.AddRange(conditions.Select(c => "clip/" + c));
        var results = arms.Select(_ => new List<SeedResult>()).ToArray();
        if (only is not null && arms.Any(a => a.Checkpoints is null)) throw new ArgumentException("a subset of folds is kept only in saved folds", nameof(only));
        string Arm(int a) => arms.Count == 1 ? "" : a == 0 ? " (baseline)" : arms.Count == 2 ? " (candidate)" : $" (candidate {a})";
        int resumed = 0, left = 0;
        for (int s = 0; s < seeds; s++)
        {
            var seeded = arms.Select(a => a.Recipe with { Train = a.Recipe.Train with { Seed = a.Recipe.Train.Seed + s } }).ToArray();
            int seed = seeded[0].Train.Seed;
            var result = seeded.Select(r => new SeedResult(r.Train.Seed)).ToArray();
            foreach (var r in result)
                foreach (var key in keys) r.Scores[key] = [];
            for (int f = 0; f < k; f++)
            {
                string label = $"seed {seed}, fold {f + 1}/{k}";
                var saved = arms.Select(a => a.Checkpoints?.Load(seed, f)).ToArray();
                // A fold saved by a build that scored fewer evaluations (steady sessions came in stop 49, episode sessions in
                // stop 50, episode sessions over the phone mix in stop 51) is computed again — from its kept nets when there
                // are any; training is deterministic, so its other figures come out the same.
                if (saved.All(x => x is not null && keys.All(x.Scores.ContainsKey)))
                {
                    for (int a = 0; a < arms.Count; a++)
                    {
                        // The fingerprint covers the conditions, so a saved fold has every key.
                        foreach (var key in keys) result[a].Scores[key].Add(saved[a]!.Scores[key].ToScores());
                        result[a].Curves.Add(saved[a]!.Curve);
                        Console.Error.WriteLine($"{label}{Arm(a)}: taken from {arms[a].Checkpoints!.PathOf(seed, f)} (finished {saved[a]!.Written:yyyy-MM-dd HH:mm} UTC)");
                        ReportFold(corpus, folds[f], keys, result[a], label + Arm(a), watch);
                    }
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
                var curves = arms.Select(_ => new List<EpochReport>()).ToArray();
                void EpochDone(int arm, EpochReport report, EmotionNet net)
                {
                    // Diagnostic only (no recipe choice is made on it): held-out clip-level macro-F1 after each epoch.
                    var scores = new Scorer(new NetClassifier([net], DatasetLoader.TrainingLabels)).ClipLevel(heldFeatures);
                    curves[arm].Add(report with { ValidationMacroF1 = Evaluation.Metrics(scores).MacroF1 });
                }
                // Nets a run of the same recipes trained and kept are scored again instead of trained again.
                var kept = trained.Select(t => arms[t].Checkpoints?.LoadNets(seed, f)).ToArray();
                List<EmotionNet>[] nets;
                if (kept.All(x => x is not null))
                {
                    nets = [.. kept.Select(x => x!.Value.Nets)];
                    for (int i = 0; i < trained.Length; i++)
                    {
                        curves[trained[i]].AddRange(kept[i]!.Value.Curve);
                        Console.Error.WriteLine($"{label}{Arm(trained[i])}: nets taken from {arms[trained[i]].Checkpoints!.NetsPathOf(seed, f)} (trained {kept[i]!.Value.Written:yyyy-MM-dd HH:mm} UTC); scoring only");
                    }
                }
                else
                {
                    nets = ProgressReporter.Run(label, p =>
                    {
                        if (trained.Length == 1) return new[] { seeded[0].Fit(corpus, train, p, (report, net) => EpochDone(0, report, net)) };
                        var (baseline, candidate) = seeded[0].FitPaired(corpus, train, seeded[trained[1]], p, (arm, report, net) => EpochDone(trained[arm], report, net));
                        return new[] { baseline, candidate };
                    });
                    for (int i = 0; i < trained.Length; i++) arms[trained[i]].Checkpoints?.SaveNets(seed, f, nets[i], curves[trained[i]]);
                }
                for (int a = 0; a < arms.Count; a++)
                {
                    // An arm scored on another's nets has that arm's training curves.
                    result[a].Curves.Add(curves[netsOf[a]]);
                    var members = nets[Array.IndexOf(trained, netsOf[a])];
                    var scorer = new Scorer(new NetClassifier(members, DatasetLoader.TrainingLabels, OutputReading.Of(seeded[a])));
                    foreach (var key in keys)
                    {
                        var (mode, condition) = ModeOf(key);
                        // A condition's features are kept until the last arm has scored them.
                        result[a].Scores[key].Add(Evaluation.Score(corpus, folds[f], scorer, mode, condition, seed,
                            keepFeatures: condition == "clean" || a < arms.Count - 1));
                    }
                    arms[a].Checkpoints?.Save(seed, f, keys.ToDictionary(key => key, key => result[a].Scores[key][^1]), curves[netsOf[a]]);
                    ReportFold(corpus, folds[f], keys, result[a], label + Arm(a), watch);
                }
                corpus.Forget(folds[f]);
            }
            for (int a = 0; a < arms.Count; a++) results[a].Add(result[a]);
        }
        if (left > 0) return new CrossValidationResult?[arms.Count];
        var speakers = folds.Select(fold => (IReadOnlyList<string>)fold.Select(c => corpus.Clips[c].Speaker).Distinct().ToList()).ToList();
        var subsets = corpus.Clips.Select(c => c.Corpus).Distinct().Order(StringComparer.Ordinal).ToList();
        var perCorpus = subsets.Count > 1
            ? subsets.ToDictionary(name => name, name => (Func<int, bool>)(c => corpus.Clips[c].Corpus == name))
            : new Dictionary<string, Func<int, bool>>();
        return [.. results.Select(r => new CrossValidationResult(r, keys, speakers, corpus.Skipped, watch.Elapsed.TotalSeconds, perCorpus, resumed))];
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

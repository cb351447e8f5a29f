using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceEmotion.Training;

/// <summary>
/// Two cross-validation summaries (<c>cv --json</c>) side by side: every evaluation both scored, the change, and the four
/// headline figures a recipe decision reads — clip-level, streaming, whole calls (sessions) and the mean of the line
/// conditions — with the mean and the smallest of their changes, and, given a margin, whether each is at least the
/// baseline's minus it. Pooled macro-F1, the mean over seeds where a summary has several.
/// </summary>
public static class CvComparison
{
    public sealed record Row(string Figure, double Baseline, double Candidate)
    {
        public double Change => Candidate - Baseline;
    }

    public const string ConditionsMean = "conditions' mean";
    private static readonly string[] Headline = ["clip", "streaming", "sessions", ConditionsMean];

    /// <summary>The mean macro-F1 per evaluation key of a summary file.</summary>
    public static Dictionary<string, double> Read(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{path} is not JSON: {e.Message}");
        }
        if (root is not JsonObject figures || figures.Count == 0)
            throw new InvalidOperationException($"{path} is not a cross-validation summary (cv --json): expected an object of evaluations");
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in figures)
        {
            if (value is not JsonObject evaluation || evaluation["mean"] is not JsonValue mean || !mean.TryGetValue(out double m))
                throw new InvalidOperationException($"{path}: evaluation '{key}' has no \"mean\" macro-F1 (is this a cv --json summary?)");
            means[key] = m;
        }
        return means;
    }

    /// <summary>
    /// The same figures from the saved folds of two <c>cv --report</c> folders, or of the fold-confusions files that keep
    /// them (<see cref="FoldConfusions"/>; either side may be either), over the folds both have finished (the
    /// same seed and fold number): per seed, macro-F1 pooled over those folds' clips, then the mean over seeds. With every
    /// fold in both, these are the summaries' own figures; with fewer, a run stopped early (or still going) is read
    /// against its baseline on the same speakers. Returns the two sets of figures, the shared folds' names and, when
    /// they span two or more seeds, the figures seed by seed (<see cref="SeedRow"/>; else null).
    /// </summary>
    /// <remarks>Each side may be several sources — one per seed, as runs of one seed each are kept — read as one set of
    /// folds (<see cref="Merge{T}"/>). With <paramref name="onlyFolds"/> (fold numbers from 1), only those folds are read:
    /// e.g. the folds that hold out RAVDESS actors alone, which move far less from seed to seed than the two with a TESS
    /// speaker.</remarks>
    public static (Dictionary<string, double> Baseline, Dictionary<string, double> Candidate, IReadOnlyList<string> Folds, IReadOnlyList<SeedRow>? Seeds) ReadSharedFolds(
        IReadOnlyList<string> baselineSources, IReadOnlyList<string> candidateSources, IReadOnlyCollection<int>? onlyFolds = null)
    {
        var (baseline, candidate, shared) = LoadShared(baselineSources, candidateSources, onlyFolds);
        return (FoldConfusions.Pooled(baseline, shared), FoldConfusions.Pooled(candidate, shared), [.. shared.Select(k => FoldCheckpoints.Name(k.Seed, k.Fold))],
            PerSeed(baseline, candidate, shared));
    }

    /// <summary>One figure seed by seed (<see cref="ReadSharedFolds"/>): each seed's baseline and candidate, pooled over
    /// that seed's shared folds.</summary>
    public sealed record SeedRow(string Figure, IReadOnlyList<int> Seeds, IReadOnlyList<double> Baseline, IReadOnlyList<double> Candidate)
    {
        public IReadOnlyList<double> Changes => [.. Baseline.Zip(Candidate, (b, c) => c - b)];

        /// <summary>Whether the mean change is no larger than the baseline's spread between seeds (its sample standard
        /// deviation): a difference the seeds alone would make, reported as such.</summary>
        public bool InsideSpread => Math.Abs(Mean(Changes)) <= StandardDeviation(Baseline);

        /// <summary>"up" or "down" when every seed moved the same way, "level" when none moved, else "mixed": a paired
        /// change can be inside the spread between seeds and still go the same way on each.</summary>
        public string Direction => Changes.All(c => c > 0) ? "up" : Changes.All(c => c < 0) ? "down" : Changes.All(c => c == 0) ? "level" : "mixed";
    }

    /// <summary>
    /// The figures seed by seed, for a decision read over several seeds (the issue: mean ± sd over three or more, a
    /// difference inside that spread reported as such): per seed, both sides pooled over that seed's folds both have
    /// finished, with the conditions' mean where both scored the same conditions. Null when the shared folds hold one
    /// seed.
    /// </summary>
    private static IReadOnlyList<SeedRow>? PerSeed(IReadOnlyDictionary<(int Seed, int Fold), FoldConfusions.Fold> baseline,
        IReadOnlyDictionary<(int Seed, int Fold), FoldConfusions.Fold> candidate, IReadOnlyList<(int Seed, int Fold)> shared)
    {
        var seeds = shared.Select(k => k.Seed).Distinct().Order().ToList();
        if (seeds.Count < 2) return null;
        var bySeed = seeds.Select(seed =>
        {
            var folds = shared.Where(k => k.Seed == seed).ToList();
            return Compare(FoldConfusions.Pooled(baseline, folds), FoldConfusions.Pooled(candidate, folds)).ToDictionary(r => r.Figure);
        }).ToList();
        return [.. bySeed[0].Keys.Where(f => bySeed.All(s => s.ContainsKey(f)))
            .Select(f => new SeedRow(f, seeds, [.. bySeed.Select(s => s[f].Baseline)], [.. bySeed.Select(s => s[f].Candidate)]))];
    }

    /// <summary>The seed-by-seed figures as a Markdown table: both sides' mean ± sd over seeds, each seed's change, the
    /// mean change ± its sd, whether it lies inside the baseline's spread between seeds, and whether every seed moved the
    /// same way.</summary>
    public static string FormatPerSeed(IReadOnlyList<SeedRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var seeds = rows[0].Seeds;
        text.AppendLine(c, $"seed by seed ({seeds.Count} seeds: {string.Join(", ", seeds)}; each pooled over its own folds both have finished; sd is the sample standard deviation over seeds):");
        text.AppendLine();
        text.AppendLine(c, $"| figure (macro-F1, pooled) | baseline mean ± sd | candidate mean ± sd | change, seed {string.Join(" / ", seeds)} | mean change ± sd | inside the baseline's spread | every seed |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            var changes = r.Changes;
            text.AppendLine(c, $"| {r.Figure} | {Mean(r.Baseline):0.0000} ± {StandardDeviation(r.Baseline):0.0000} | {Mean(r.Candidate):0.0000} ± {StandardDeviation(r.Candidate):0.0000} | " +
                               $"{string.Join(" / ", changes.Select(x => x.ToString("+0.0000;−0.0000;0.0000", c)))} | " +
                               $"{Mean(changes):+0.0000;−0.0000;0.0000} ± {StandardDeviation(changes):0.0000} | {(r.InsideSpread ? "yes" : "no")} | {r.Direction} |");
        }
        return text.ToString();
    }

    private static double Mean(IReadOnlyList<double> values) => values.Average();

    /// <summary>The sample standard deviation (n − 1), 0 for a single value.</summary>
    private static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>The folds of several sources (report folders or fold-confusions files) as one set — e.g. one run per
    /// seed; a <see cref="UsageException"/> when two sources hold the same seed and fold, since which to read would be a
    /// guess.</summary>
    public static SortedDictionary<(int Seed, int Fold), T> Merge<T>(IReadOnlyList<string> sources, Func<string, SortedDictionary<(int Seed, int Fold), T>> load)
    {
        var merged = new SortedDictionary<(int Seed, int Fold), T>();
        var from = new Dictionary<(int Seed, int Fold), string>();
        foreach (var source in sources)
            foreach (var (key, fold) in load(source))
            {
                if (from.TryGetValue(key, out var first))
                    throw new UsageException($"{first} and {source} both hold {FoldCheckpoints.Name(key.Seed, key.Fold)}: give each seed's folds once per side");
                merged[key] = fold;
                from[key] = source;
            }
        return merged;
    }

    /// <summary>Both sides' folds and the (seed, fold) keys both have finished (among <paramref name="onlyFolds"/>); a
    /// <see cref="UsageException"/> naming each side's folds when there is none.</summary>
    private static (SortedDictionary<(int Seed, int Fold), FoldConfusions.Fold> Baseline, SortedDictionary<(int Seed, int Fold), FoldConfusions.Fold> Candidate,
        List<(int Seed, int Fold)> Shared) LoadShared(IReadOnlyList<string> baselineSources, IReadOnlyList<string> candidateSources, IReadOnlyCollection<int>? onlyFolds)
    {
        var baseline = Merge(baselineSources, FoldConfusions.Load);
        var candidate = Merge(candidateSources, FoldConfusions.Load);
        return (baseline, candidate, Shared(string.Join(" + ", baselineSources), baseline.Keys, string.Join(" + ", candidateSources), candidate.Keys, onlyFolds));
    }

    // The (seed, fold) keys both sides have finished (among onlyFolds); a UsageException naming each side's folds when none.
    private static List<(int Seed, int Fold)> Shared(string baselineSource, IEnumerable<(int Seed, int Fold)> baseline,
        string candidateSource, IEnumerable<(int Seed, int Fold)> candidate, IReadOnlyCollection<int>? onlyFolds)
    {
        var candidateKeys = candidate.ToHashSet();
        var shared = baseline.Where(k => candidateKeys.Contains(k) && (onlyFolds is null || onlyFolds.Contains(k.Fold))).ToList();
        string Names(IEnumerable<(int Seed, int Fold)> keys) => string.Join(", ", keys.Select(k => FoldCheckpoints.Name(k.Seed, k.Fold)));
        if (shared.Count == 0)
            throw new UsageException($"{baselineSource} and {candidateSource} have no finished fold in common{(onlyFolds is null ? "" : $" among folds {string.Join(",", onlyFolds)}")} " +
                                     $"(baseline: {Names(baseline)}; candidate: {Names(candidateKeys)})");
        return shared;
    }

    /// <summary>One held-out fold in <see cref="Nested"/>: the recipe the rule picked for it on the other folds, and why.</summary>
    public sealed record NestedChoice(int Fold, bool Candidate, string Reason);

    /// <summary>
    /// The selection procedure scored without seeing what it scores (nested cross-validation over saved folds): for each
    /// fold, the non-inferiority rule — the candidate if every headline figure is at least the baseline's minus
    /// <paramref name="margin"/> — is applied to the other shared folds alone (the rule never reads the held-out fold's
    /// speakers), and the fold is scored by the recipe it picks.
    /// Returns the per-fold choices and, per evaluation, baseline, candidate and the nested figure (pooled per seed over the
    /// chosen recipes' folds, then averaged over seeds), so a recipe choice can be reported as the issue asks: made on
    /// training speakers only.
    /// </summary>
    public static (IReadOnlyList<NestedChoice> Choices, List<(string Figure, double Baseline, double Candidate, double Nested)> Rows, IReadOnlyList<string> Folds) Nested(
        IReadOnlyList<string> baselineSources, IReadOnlyList<string> candidateSources, IReadOnlyCollection<int>? onlyFolds, double margin)
    {
        var (baseline, candidate, shared) = LoadShared(baselineSources, candidateSources, onlyFolds);
        var numbers = shared.Select(k => k.Fold).Distinct().Order().ToList();
        if (numbers.Count < 2)
            throw new UsageException($"--nested scores each fold by the recipe chosen on the others: it needs two or more folds both have finished (shared: {numbers.Count})");
        var choices = new List<NestedChoice>();
        var chosen = new SortedDictionary<(int Seed, int Fold), FoldConfusions.Fold>();
        var c = CultureInfo.InvariantCulture;
        foreach (int fold in numbers)
        {
            var others = shared.Where(k => k.Fold != fold).ToList();
            var headline = Compare(FoldConfusions.Pooled(baseline, others), FoldConfusions.Pooled(candidate, others)).Where(r => Headline.Contains(r.Figure)).ToList();
            var below = headline.Where(r => r.Change < -margin).ToList();
            bool pick = headline.Count > 0 && below.Count == 0;
            string on = $"folds {string.Join(",", others.Select(k => k.Fold).Distinct())}";
            choices.Add(new NestedChoice(fold, pick, headline.Count == 0 ? $"{on}: no headline figure"
                : pick ? string.Create(c, $"{on}: every headline change ≥ −{margin:0.###} (smallest {headline.Min(r => r.Change):+0.0000;−0.0000})")
                : $"{on}: {string.Join(", ", below.Select(r => string.Create(c, $"{r.Figure} {r.Change:+0.0000;−0.0000}")))}"));
            foreach (var key in shared.Where(k => k.Fold == fold)) chosen[key] = pick ? candidate[key] : baseline[key];
        }
        var pooledBaseline = FoldConfusions.Pooled(baseline, shared);
        var b = Compare(pooledBaseline, FoldConfusions.Pooled(candidate, shared));
        var n = Compare(pooledBaseline, FoldConfusions.Pooled(chosen, shared)).ToDictionary(r => r.Figure, r => r.Candidate);
        return (choices, [.. b.Select(r => (r.Figure, r.Baseline, r.Candidate, n[r.Figure]))], [.. shared.Select(k => FoldCheckpoints.Name(k.Seed, k.Fold))]);
    }

    /// <summary>The nested comparison as text: each fold's choice, then a Markdown table.</summary>
    public static string FormatNested(IReadOnlyList<NestedChoice> choices, IReadOnlyList<(string Figure, double Baseline, double Candidate, double Nested)> rows, double margin)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"nested: each fold scored by the recipe the rule (every headline figure ≥ the baseline's − {margin:0.###}) picks on the other folds");
        foreach (var choice in choices)
            text.AppendLine(c, $"- fold {choice.Fold}: {(choice.Candidate ? "candidate" : "baseline")} ({choice.Reason})");
        text.AppendLine();
        text.AppendLine("| figure (macro-F1, pooled) | baseline | candidate | nested |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var r in rows) text.AppendLine(c, $"| {r.Figure} | {r.Baseline:0.0000} | {r.Candidate:0.0000} | {r.Nested:0.0000} |");
        return text.ToString();
    }

    /// <summary>Every evaluation in both summaries (in the baseline's order), then the conditions' mean when both scored
    /// the same conditions.</summary>
    public static List<Row> Compare(IReadOnlyDictionary<string, double> baseline, IReadOnlyDictionary<string, double> candidate)
    {
        var rows = baseline.Keys.Where(candidate.ContainsKey).Select(k => new Row(k, baseline[k], candidate[k])).ToList();
        if (rows.Count == 0) throw new InvalidOperationException("the two summaries share no evaluation");
        var conditions = rows.Where(r => r.Figure.StartsWith("clip/", StringComparison.Ordinal)).ToList();
        bool same = conditions.Count > 0
                    && baseline.Keys.Count(k => k.StartsWith("clip/", StringComparison.Ordinal)) == conditions.Count
                    && candidate.Keys.Count(k => k.StartsWith("clip/", StringComparison.Ordinal)) == conditions.Count;
        if (same) rows.Add(new Row(ConditionsMean, conditions.Average(r => r.Baseline), conditions.Average(r => r.Candidate)));
        return rows;
    }

    /// <summary>A Markdown table of <paramref name="rows"/> and the headline summary; with a margin, the
    /// non-inferiority verdict.</summary>
    public static string Format(IReadOnlyList<Row> rows, double? margin)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| figure (macro-F1, pooled) | baseline | candidate | change |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var r in rows)
            text.AppendLine(c, $"| {r.Figure} | {r.Baseline:0.0000} | {r.Candidate:0.0000} | {r.Change:+0.0000;−0.0000;0.0000} |");
        var headline = rows.Where(r => Headline.Contains(r.Figure)).ToList();
        if (headline.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(c, $"headline ({string.Join(", ", headline.Select(r => r.Figure))}): mean change {headline.Average(r => r.Change):+0.0000;−0.0000;0.0000}, " +
                               $"smallest {headline.Min(r => r.Change):+0.0000;−0.0000;0.0000}");
            if (margin is { } m)
            {
                var below = headline.Where(r => r.Change < -m).Select(r => string.Create(c, $"{r.Figure} {r.Change:+0.0000;−0.0000}")).ToList();
                text.AppendLine(c, $"every headline figure is at least the baseline's − {m:0.###}: {(below.Count == 0 ? "yes" : $"no ({string.Join(", ", below)})")}");
            }
        }
        return text.ToString();
    }

    /// <summary>How well one side's confidence means what it says, for one evaluation: expected calibration error and
    /// negative log-likelihood over the windows (<see cref="Calibration"/>), and the alerts — windows where one emotion's
    /// probability is at least <see cref="AlertThreshold"/> — with the share of them whose emotion was the truth.</summary>
    public sealed record CalibrationFigures(int Windows, double Ece, double Nll, int Alerts, double AlertsRight);

    public sealed record CalibrationRow(string Figure, CalibrationFigures Baseline, CalibrationFigures Candidate);

    /// <summary>The probability at which an alert fires (the issue's example: angry ≥ 0.6 for 5 s).</summary>
    public const double AlertThreshold = 0.6;

    /// <summary>Calibration of both sides' saved folds (<c>cv --report</c> folders, which keep every scored window's
    /// probabilities; <see cref="FoldCheckpoints.ReadAll"/> names a folder without them) over the folds both have
    /// finished, windows pooled over them, per evaluation both scored.</summary>
    public static List<CalibrationRow> CompareCalibration(IReadOnlyList<string> baselineDirs, IReadOnlyList<string> candidateDirs, IReadOnlyCollection<int>? onlyFolds)
    {
        var baseline = Merge(baselineDirs, FoldCheckpoints.ReadAll);
        var candidate = Merge(candidateDirs, FoldCheckpoints.ReadAll);
        var shared = Shared(string.Join(" + ", baselineDirs), baseline.Keys, string.Join(" + ", candidateDirs), candidate.Keys, onlyFolds);
        var labels = new LabelMap(Pipeline.Datasets.DatasetLoader.TrainingLabels);
        var keys = baseline[shared[0]].Scores.Keys.Where(k => shared.All(f => baseline[f].Scores.ContainsKey(k) && candidate[f].Scores.ContainsKey(k))).ToList();
        CalibrationFigures Figures(SortedDictionary<(int Seed, int Fold), SavedFold> side, string key)
        {
            var rows = shared.SelectMany(f => side[f].Scores[key].Raw.Select((raw, i) => (P: labels.ToProduct(raw), Truth: side[f].Scores[key].WindowTruth[i]))).ToList();
            var measured = Calibration.MeasureProducts(rows, 1);
            int alerts = 0, right = 0;
            foreach (var (p, truth) in rows)
                for (int k = 0; k < p.Length; k++)
                    if (p[k] >= AlertThreshold)
                    {
                        alerts++;
                        if (k == truth) right++;
                    }
            return new CalibrationFigures(rows.Count, measured.Ece, measured.Nll, alerts, alerts == 0 ? double.NaN : right / (double)alerts);
        }
        return [.. keys.Select(k => new CalibrationRow(k, Figures(baseline, k), Figures(candidate, k)))];
    }

    public static string FormatCalibration(IReadOnlyList<CalibrationRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"| evaluation | windows | ECE baseline | ECE candidate | change | NLL baseline | NLL candidate | alerts (≥ {AlertThreshold:0.##}) right, baseline | candidate |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        static string Alerts(CalibrationFigures f) => f.Alerts == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{f.AlertsRight:0.000} of {f.Alerts}");
        foreach (var r in rows)
        {
            string windows = r.Baseline.Windows == r.Candidate.Windows ? $"{r.Baseline.Windows}" : $"{r.Baseline.Windows} / {r.Candidate.Windows}";
            text.AppendLine(c, $"| {r.Figure} | {windows} | {r.Baseline.Ece:0.000} | {r.Candidate.Ece:0.000} | {r.Candidate.Ece - r.Baseline.Ece:+0.000;−0.000;0.000} | " +
                               $"{r.Baseline.Nll:0.000} | {r.Candidate.Nll:0.000} | {Alerts(r.Baseline)} | {Alerts(r.Candidate)} |");
        }
        return text.ToString();
    }
}

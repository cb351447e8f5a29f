using System.Text;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Training.Channels;

namespace VoiceEmotion.Training;

/// <summary>
/// The Markdown report of a cross-validation: macro-F1 per evaluation as mean ± sd over seeds, calibration (ECE as
/// trained and with a temperature cross-fitted on the other folds' speakers), the temperature to ship, curves,
/// and per-class tables and confusion matrices of the first seed.
/// </summary>
public static class CrossValidationReport
{
    public static void Write(string dir, Corpus corpus, TrainingRecipe recipe, int k, CrossValidationResult result)
    {
        Directory.CreateDirectory(dir);
        var md = new StringBuilder();
        md.Append($"Recipe: {recipe.Describe()}\n\n");
        md.Append($"{corpus.Clips.Count} clips of {corpus.Speakers.Count} speakers; {k} speaker-grouped folds: ");
        md.Append(string.Join("; ", result.FoldSpeakers.Select((s, i) => $"{i + 1}: {string.Join(" ", s)}"))).Append('\n');
        md.Append($"\nSeeds: {string.Join(", ", result.Seeds.Select(s => s.Seed))}. Time: {result.Seconds / 60:F1} min" +
                  (result.ResumedFolds > 0 ? $" in this run; {result.ResumedFolds} fold(s) were taken from earlier runs' saved folds ({FoldCheckpoints.Folder}/)" : "") + ".\n\n");
        var subsetNames = result.Subsets.Keys.ToList();
        md.Append("| evaluation | what | macro-F1 (mean ± sd over seeds) | per seed | accuracy (mean) |")
          .Append(string.Concat(subsetNames.Select(n => $" {n} clips only |"))).Append("\n|---|---|---:|---|---:|")
          .Append(string.Concat(subsetNames.Select(_ => "---:|"))).Append('\n');
        foreach (var key in result.Keys)
        {
            var m = result.Seeds.Select(s => s.Metrics(key, result.Skipped)).ToList();
            md.Append($"| {key} | {What(key)} | {Commands.MeanSd(m.Select(x => x.MacroF1))} | {string.Join(", ", m.Select(x => x.MacroF1.ToString("F3")))} | {m.Average(x => x.Accuracy):F3} |");
            foreach (var n in subsetNames) md.Append($" {Commands.MeanSd(result.Seeds.Select(s => s.Metrics(key, 0, result.Subsets[n]).MacroF1))} |");
            md.Append('\n');
        }

        md.Append("\n## Calibration\n\nWindows are the scored 3 s windows (clip-level) or live updates (streaming, sessions). ");
        md.Append($"\"as trained\" includes the recipe's temperature {recipe.Temperature:0.##}; \"cross-fitted\" divides by a further factor ");
        md.Append("fitted for each fold on the other folds' out-of-fold live updates (speakers that fold's model trained on), streaming and sessions pooled: ");
        md.Append("the confidence users see live drives alerts, so the temperature is fitted there; the conditions (clip-level) show how it carries to degraded lines.\n\n");
        md.Append("| evaluation | ECE as trained | ECE cross-fitted | windows |\n|---|---:|---:|---:|\n");
        var factors = result.Seeds.Select(seed => Calibration.FitTemperature(Labels, Pool(seed, except: -1))).ToList();
        foreach (var key in result.Keys)
        {
            var asTrained = new List<double>();
            var crossFitted = new List<double>();
            int windows = 0;
            foreach (var seed in result.Seeds)
            {
                var all = seed.Scores[key].SelectMany(s => s.Windows).ToList();
                asTrained.Add(Calibration.Measure(Labels, all, 1f).Ece);
                var rows = new List<(float[], int)>();
                for (int f = 0; f < seed.Scores[key].Count; f++)
                {
                    float t = Calibration.FitTemperature(Labels, Pool(seed, except: f));
                    rows.AddRange(seed.Scores[key][f].Windows.Select(w => (Labels.ToProduct(w.Raw, t), w.Truth)));
                }
                crossFitted.Add(Calibration.MeasureProducts(rows, 0).Ece);
                windows = all.Count;
            }
            md.Append($"| {key} | {Commands.MeanSd(asTrained)} | {Commands.MeanSd(crossFitted)} | {windows} |\n");
        }
        double factor = factors.Average();
        md.Append($"\nTemperature factor fitted on all out-of-fold live updates: {string.Join(", ", factors.Select(f => f.ToString("0.##")))} " +
                  $"(mean {factor:0.###}); a model trained with this recipe would ship with temperature {recipe.Temperature * factor:0.##}.\n");
        var first = result.Seeds[0];
        var reliability = Calibration.Measure(Labels, first.Scores["streaming"].SelectMany(s => s.Windows).ToList(), 1f);
        md.Append("\nReliability of live updates (streaming, first seed, as trained):\n\n").Append(Calibration.Table(reliability));
        AppendUpdateQuality(md, result);

        md.Append("\n## Training curves (first seed)\n\nValidation = the held-out fold's clean clip-level macro-F1 after each epoch: a diagnostic only, ");
        md.Append("no recipe choice is made on it. Loss is the mean over an epoch's passes, first pass the fresh-data loss (docs/model/training.md).\n\n")
          .Append("Each member of the ensemble trains on its own (member 1 the CNN, then the statistics-only and session members); ")
          .Append("its held-out macro-F1 is that member's alone, not the ensemble's.\n\n")
          .Append("| member | epoch | loss (mean over folds) | loss, first pass | held-out macro-F1 (mean over folds) |");
        bool adversary = first.Curves.Any(c => c.Any(r => r.SpeakerAccuracy is not null));
        md.Append(adversary ? " speaker adversary right, training windows (mean over folds) |\n|---:|---:|---:|---:|---:|---:|\n" : "\n|---:|---:|---:|---:|---:|\n");
        int epochs = first.Curves.Min(c => c.Count);
        for (int e = 0; e < epochs; e++)
            md.Append($"| {first.Curves[0][e].Member + 1} | {first.Curves[0][e].Epoch + 1} | {first.Curves.Average(c => c[e].Loss):F3} | " +
                      $"{first.Curves.Average(c => c[e].FreshLoss):F3} | {first.Curves.Average(c => c[e].ValidationMacroF1 ?? 0):F3} |" +
                      (adversary ? $" {first.Curves.Average(c => c[e].SpeakerAccuracy ?? 0):P1} |\n" : "\n"));
        if (TrainingCurves.TryPlot(Path.Combine(dir, "cross-validation-curves.png"), "cross-validation folds (first seed)", first.Curves))
            md.Append("\n![training curves per fold](cross-validation-curves.png)\n");

        var sections = new List<(string, EvaluationResult)>();
        foreach (var key in result.Keys.Where(k => !k.StartsWith("clip/", StringComparison.Ordinal)))
            sections.Add(($"{key} (first seed): {What(key)}", first.Metrics(key, result.Skipped)));
        Report.Write(dir, "cross-validation", $"{k}-fold speaker-independent cross-validation", sections, md.ToString());
    }

    // Streaming's speech updates judged alone, by how much of the utterance each window held: mean ± sd over seeds per
    // bucket. Left out when a seed's folds were saved before the window lengths were kept.
    private static void AppendUpdateQuality(StringBuilder md, CrossValidationResult result)
    {
        var perSeed = result.Seeds.Select(s => UpdateQuality.Measure(Labels, ClipScores.Concat(s.Scores["streaming"]))).ToList();
        if (perSeed.Any(q => q is null)) return;
        md.Append("\n## Live updates one by one (streaming)\n\nEach speech update of the streaming evaluation judged alone — its top label ")
          .Append("against its clip's, as a user watching the live updates sees it — by how much of the current utterance its window held ")
          .Append("(`windowSeconds`; the window restarts after a pause). Macro-F1 mean ± sd over seeds.\n\n")
          .Append("| window held | share of speech updates | macro-F1 | per seed |\n|---|---:|---:|---|\n");
        foreach (double edge in UpdateQuality.BucketEdges)
        {
            // A seed with no update in the bucket counts as a share of 0 and has no macro-F1 there.
            var buckets = perSeed.Select(q => q!.ByWindowSeconds.FirstOrDefault(b => b.UpToSeconds == edge)).ToList();
            if (buckets.All(b => b is null)) continue;
            md.Append(FormattableString.Invariant($"| {UpdateQuality.LowerEdge(edge):0.0}–{edge:0.0} s | {100 * buckets.Average(b => b?.Share ?? 0):0.0} % | ") +
                      $"{Commands.MeanSd(buckets.Where(b => b is not null).Select(b => b!.MacroF1))} | " +
                      $"{string.Join(", ", buckets.Select(b => b?.MacroF1.ToString("F3") ?? "–"))} |\n");
        }
        md.Append($"| every speech update | 100 % | {Commands.MeanSd(perSeed.Select(q => q!.MacroF1))} | {string.Join(", ", perSeed.Select(q => q!.MacroF1.ToString("F3")))} |\n");
    }

    private static string What(string key) => key switch
    {
        "clip" => "each clip alone, full 3 s windows over its speech, averaged",
        "streaming" => "each clip alone through the live session, every speech update averaged",
        "sessions" => $"each speaker's clips as one live session ({Scorer.SessionPauseSeconds} s pauses), scored from the updates while it plays",
        CrossValidation.SteadySessions => "the same sessions one emotion at a time (a speaker's clips of an emotion together): a call whose mood lasts",
        CrossValidation.EpisodeSessions => $"calls that are half neutral: the speaker's neutral clips as the background, the other emotions in episodes of at most {Scorer.EpisodeClips} clips between them (neutral clips heard once per call)",
        _ => Through(key),
    };

    // A mode through a line ("clip/gsm", "episode-sessions/phone-mix"; one line per session, its random parts per clip).
    private static string Through(string key)
    {
        var (mode, line) = CrossValidation.ModeOf(key);
        return $"{Evaluation.Describe(mode)} through {LineCondition.Get(line).Describe()}";
    }

    // Out-of-fold live updates (streaming and sessions: what users see) without fold `except`; subsampled to keep the
    // temperature search quick. One temperature pooled over clean live updates and degraded clip-level windows fitted
    // neither (stop 20: clean live updates came out over-confident, ECE 0.102, at the pooled fit).
    private static List<(float[] Raw, int Truth)> Pool(SeedResult seed, int except)
    {
        var pool = new List<(float[], int)>();
        foreach (var key in (string[])["streaming", "sessions"])
            for (int f = 0; f < seed.Scores[key].Count; f++)
                if (f != except) pool.AddRange(seed.Scores[key][f].Windows);
        int step = Math.Max(1, pool.Count / 30000);
        return pool.Where((_, i) => i % step == 0).ToList();
    }

    // The cross-validation's classifiers output the training labels, in this order.
    private static readonly LabelMap Labels = new(DatasetLoader.TrainingLabels);
}

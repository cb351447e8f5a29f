using System.Globalization;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>
/// How well a cross-validation's nets fit the speakers they were trained on, beside the held-out speakers they are
/// scored on: each fold's training speakers' clips scored clip-level exactly as its held-out clips are (the same kept
/// nets, the same reading of their output, the same line condition; background talkers from the same set's other
/// speakers). Training speakers far above the held-out ones are speakers learnt rather than emotions — the gap a
/// regulariser or new speaker variety would have to close; training speakers near the held-out figure would be a net
/// that fits too little, where capacity and optimisation are the levers. It reads the nets cv keeps beside each fold
/// (<c>REPORT/folds/seed-S-fold-F.nets</c>) and trains nothing.
/// </summary>
public static class FitReport
{
    public static int Run(IReadOnlyList<string> data, string reportDir, int k, string condition, TrainingRecipe recipe, TextWriter output)
    {
        var kept = FoldCheckpoints.Files(reportDir, ".nets").Keys;
        if (kept.Count == 0)
            throw new UsageException($"{reportDir} keeps no fold's nets ({Path.Combine(reportDir, FoldCheckpoints.Folder, "seed-S-fold-F.nets")}): is it a cv --report folder?");
        if (kept.Max(x => x.Fold) > k)
            throw new UsageException($"{reportDir} keeps nets of fold {kept.Max(x => x.Fold)}: it was a cross-validation over more than {k} folds (give its --folds)");
        var corpus = new Corpus(data);
        var folds = corpus.Folds(k);
        var subsets = corpus.Clips.Select(c => c.Corpus).Distinct().Order(StringComparer.Ordinal).ToList();
        // Every fold's nets first: a file of another recipe is refused before anything is scored or printed.
        var nets = kept.ToDictionary(x => x, x =>
        {
            var seeded = recipe with { Train = recipe.Train with { Seed = x.Seed } };
            var store = FoldCheckpoints.Open(reportDir, corpus, seeded, k, [], restart: false);
            var loaded = store.LoadNets(x.Seed, x.Fold - 1, problem => new UsageException(
                $"{problem}: give fit the cross-validation's own --data, --folds and recipe options (--threads too, when it ran on another machine)"))!.Value;
            return (Reading: OutputReading.Of(seeded), loaded.Nets);
        });
        output.WriteLine($"# How well each fold's nets fit their own training speakers ({reportDir})");
        output.WriteLine();
        output.WriteLine($"Clip-level macro-F1 over the {EmotionLabels.All.Count} product classes, line condition {condition}: each fold's kept nets on the speakers " +
                         "they were trained on and on the fold's held-out speakers, per corpus. The held-out column is the cross-validation's own figure for " +
                         "that fold; the training column is what the nets learnt of the speakers they heard. The means are over the folds that have both.");
        output.WriteLine();
        output.WriteLine("| seed | fold | corpus | training speakers | held-out speakers | gap |");
        output.WriteLine("|---:|---:|---|---:|---:|---:|");
        var pairs = subsets.ToDictionary(s => s, _ => new List<(double Training, double Held)>());
        foreach (var (seed, fold) in kept)
        {
            var (reading, members) = nets[(seed, fold)];
            var scorer = new Scorer(new NetClassifier(members, DatasetLoader.TrainingLabels, reading));
            var held = folds[fold - 1];
            var heldSet = held.ToHashSet();
            var training = Enumerable.Range(0, corpus.Clips.Count).Where(c => !heldSet.Contains(c)).ToList();
            // Held-out first, so their background talkers are the fold's own (as cv scored them), then the training speakers'.
            var heldScores = scorer.ClipLevel(corpus.Features(held, condition));
            var trainingScores = scorer.ClipLevel(corpus.Features(training, condition));
            if (condition != "clean") corpus.Forget(Enumerable.Range(0, corpus.Clips.Count)); // the next fold's talkers differ
            foreach (var subset in subsets)
            {
                double? Score(IReadOnlyList<int> clips, ClipScores scores)
                {
                    var chosen = Enumerable.Range(0, scores.Clips.Length).Where(i => corpus.Clips[clips[scores.Clips[i]]].Corpus == subset).ToList();
                    return chosen.Count == 0 ? null
                        : Metrics.Compute(EmotionLabels.All, [.. chosen.Select(i => scores.Truth[i])], [.. chosen.Select(i => scores.Predicted[i])]).MacroF1;
                }
                var (t, h) = (Score(training, trainingScores), Score(held, heldScores));
                if (t is { } a && h is { } b) pairs[subset].Add((a, b));
                output.WriteLine($"| {seed} | {fold} | {subset} | {Cell(t)} | {Cell(h)} | {Gap(t, h)} |");
            }
        }
        foreach (var subset in subsets.Where(s => pairs[s].Count > 0))
        {
            var list = pairs[subset];
            double t = list.Average(p => p.Training), h = list.Average(p => p.Held);
            output.WriteLine($"| mean | {list.Count} fold{(list.Count == 1 ? "" : "s")} | {subset} | {Cell(t)} | {Cell(h)} | {Gap(t, h)} |");
        }
        return 0;
    }

    private static string Cell(double? f1) => f1 is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    private static string Gap(double? training, double? held) =>
        training is { } t && held is { } h ? (t - h).ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture) : "–";
}

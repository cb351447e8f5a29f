using System.Diagnostics;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

public sealed record CrossValidationResult(EvaluationResult Clip, EvaluationResult Streaming, EvaluationResult Telephone, double[] FoldMacroF1, double Seconds);

/// <summary>Speaker-grouped k-fold: train on k−1 folds' speakers (all augmentation variants), score the held-out speakers' clips clean and through the telephone channel.</summary>
public static class CrossValidation
{
    public static CrossValidationResult Run(Corpus corpus, TrainingRecipe recipe, int k)
    {
        var watch = Stopwatch.StartNew();
        var folds = corpus.Folds(k);
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var variants = recipe.Variants.Union([0, 1]).ToArray();
        ProgressReporter.Run("features", p => corpus.Features(all, variants, p));
        var truth = new List<int>();
        var clip = new List<int>();
        var streaming = new List<int>();
        var telephone = new List<int>();
        var foldF1 = new double[k];
        var options = corpus.Options;
        for (int f = 0; f < k; f++)
        {
            var held = folds[f].ToHashSet();
            var train = corpus.Features(all.Where(c => !held.Contains(c)).ToList(), recipe.Variants);
            var members = ProgressReporter.Run($"fold {f + 1}/{k}", p => recipe.Fit(train, options.MinVoicedFraction, options.UpdateFrames, p));
            var classifier = new NetClassifier(members, Pipeline.Datasets.DatasetLoader.TrainingLabels);
            var clean = corpus.Features(folds[f], [0]);
            var phone = corpus.Features(folds[f], [1]);
            var foldTruth = folds[f].Select(c => corpus.Clips[c].Label).ToList();
            var foldClip = ClipScoring.Predict(clean, classifier, ClipMode.Clip, options.MinVoicedFraction, options.UpdateFrames);
            truth.AddRange(foldTruth);
            clip.AddRange(foldClip);
            streaming.AddRange(ClipScoring.Predict(clean, classifier, ClipMode.Streaming, options.MinVoicedFraction, options.UpdateFrames));
            telephone.AddRange(ClipScoring.Predict(phone, classifier, ClipMode.Clip, options.MinVoicedFraction, options.UpdateFrames));
            foldF1[f] = Metrics.Compute(EmotionLabels.All, foldTruth, foldClip).MacroF1;
            Console.Error.WriteLine($"fold {f + 1}/{k}: clip macro-F1 {foldF1[f]:F3} ({string.Join(", ", folds[f].Select(c => corpus.Clips[c].Speaker).Distinct())})");
        }
        return new CrossValidationResult(
            Metrics.Compute(EmotionLabels.All, truth, clip, corpus.Skipped),
            Metrics.Compute(EmotionLabels.All, truth, streaming, corpus.Skipped),
            Metrics.Compute(EmotionLabels.All, truth, telephone, corpus.Skipped),
            foldF1, watch.Elapsed.TotalSeconds);
    }
}

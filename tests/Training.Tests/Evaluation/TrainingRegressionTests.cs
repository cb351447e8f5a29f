using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Nn;
using VoiceEmotion.Training.Onnx;

namespace VoiceEmotion.Training.Tests.Evaluation;

/// <summary>Guards the whole training path on real speech: a small model trained on some actors must recognise others well above chance.</summary>
public sealed class TrainingRegressionTests
{
    [SkippableFact]
    public void ASmallModelTrainedOnEightActorsScoresWellAboveChanceOnFourOthers()
    {
        var corpus = new Corpus([SharedData.RequireRavdess()]);
        int Actor(int clip) => int.Parse(corpus.Clips[clip].Speaker["ravdess-".Length..]);
        var train = Enumerable.Range(0, corpus.Clips.Count).Where(c => Actor(c) <= 8).ToList();
        var test = Enumerable.Range(0, corpus.Clips.Count).Where(c => Actor(c) is >= 17 and <= 20).ToList();
        // The shipped recipe (fresh augmentation, simulated sessions), only shorter.
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 10, Seed = 3 } };
        var members = recipe.Fit(corpus, train);

        // Score through the exported ONNX file, as the service would.
        var bytes = OnnxExporter.Export(members, ExportMetadata.Create(Pipeline.Datasets.DatasetLoader.TrainingLabels, recipe.Net, "regression test"));
        using var model = EmotionModel.Load(bytes);
        var scores = new Scorer(new OnnxRawClassifier(model)).ClipLevel(corpus.Features(test));
        var metrics = VoiceEmotion.Training.Evaluation.Metrics(scores);
        Console.WriteLine($"regression: {test.Count} clips of actors 17-20, macro-F1 {metrics.MacroF1:F3}, accuracy {metrics.Accuracy:F3}");
        // One 10-epoch training is a noisy draw: seeds 1–6 gave 0.300–0.416 (stop 62, with NWaves' WSOLA and with ours,
        // twelve runs), so 0.35 was inside that spread; a broken training path scores near chance.
        Assert.True(metrics.MacroF1 >= 0.25, $"macro-F1 {metrics.MacroF1:F3} on unseen actors (chance ≈ 0.14)");
    }
}

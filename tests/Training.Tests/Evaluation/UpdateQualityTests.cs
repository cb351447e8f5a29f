using VoiceEmotion.Pipeline.Datasets;

namespace VoiceEmotion.Training.Tests.Evaluation;

public sealed class UpdateQualityTests
{
    private static readonly LabelMap Labels = new(DatasetLoader.TrainingLabels);

    // A raw row (the model's eight training labels) sure of one label.
    private static float[] Sure(string label)
    {
        var row = new float[DatasetLoader.TrainingLabels.Count];
        for (int i = 0; i < row.Length; i++) row[i] = 0.02f;
        row[DatasetLoader.TrainingLabels.ToList().IndexOf(label)] = 0.86f;
        return row;
    }

    [Fact]
    public void EachUpdateIsJudgedAloneAndCountedUnderHowMuchOfTheUtteranceItsWindowHeld()
    {
        int neutral = 0, happy = 1, sad = 2;
        var windows = new List<(float[] Raw, int Truth)>
        {
            (Sure("neutral"), neutral),  // 0.5 s, right
            (Sure("happy"), sad),        // 0.5 s, wrong
            (Sure("happy"), happy),      // 1.2 s, right
            (Sure("calm"), neutral),     // 3.0 s, right: calm is neutral to the product
        };
        var scores = new ClipScores([0, 1, 2], [neutral, sad, happy], [neutral, happy, happy], windows, [0.5, 0.5, 1.2, 3.0]);

        var result = UpdateQuality.Measure(Labels, scores)!;

        Assert.Equal(4, result.Updates);
        Assert.Equal(0.75, result.Accuracy, 6);
        Assert.Equal([0.5, 1.5, 3.0], result.ByWindowSeconds.Select(b => b.UpToSeconds));
        Assert.Equal([2, 1, 1], result.ByWindowSeconds.Select(b => b.Updates));
        Assert.Equal([0.5, 0.25, 0.25], result.ByWindowSeconds.Select(b => b.Share));
        Assert.Equal([0.5, 1.0, 1.0], result.ByWindowSeconds.Select(b => b.Accuracy));
        // First bucket: neutral found (F1 1), happy predicted once wrongly (F1 0), sad missed (F1 0): classes with support
        // are neutral and sad, so macro-F1 = (1 + 0) / 2.
        Assert.Equal(0.5, result.ByWindowSeconds[0].MacroF1, 6);
        var table = UpdateQuality.Table(result);
        Assert.Contains("| 0.0–0.5 s | 2 | 50.0 % | 0.500 | 0.500 |", table);
        Assert.Contains("| 1.0–1.5 s | 1 | 25.0 % | 1.000 |", table);
        Assert.Contains("| 2.5–3.0 s | 1 | 25.0 % | 1.000 |", table);
    }

    [Fact]
    public void ScoresWithoutWindowLengthsHaveNoUpdateFigures()
    {
        var windows = new List<(float[] Raw, int Truth)> { (Sure("sad"), 2) };
        Assert.Null(UpdateQuality.Measure(Labels, new ClipScores([0], [2], [2], windows)));
        Assert.Null(UpdateQuality.Measure(Labels, new ClipScores([], [], [], [], [])));
    }

    [Fact]
    public void WindowLengthsSurviveRelabellingAndConcatenationAndAreDroppedWhenAPartHasNone()
    {
        var w = new List<(float[] Raw, int Truth)> { (Sure("sad"), 2) };
        var a = new ClipScores([0], [2], [2], w, [1.0]);
        var b = new ClipScores([0], [2], [2], w, [2.0]);
        Assert.Equal([1.0], a.Relabel([7]).WindowSeconds);
        Assert.Equal([1.0, 2.0], ClipScores.Concat([a, b]).WindowSeconds);
        Assert.Empty(ClipScores.Concat([a, new ClipScores([0], [2], [2], w)]).WindowSeconds);
    }
}

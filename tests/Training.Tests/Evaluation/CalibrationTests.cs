using VoiceEmotion.Pipeline.Datasets;

namespace VoiceEmotion.Training.Tests.Evaluation;

public sealed class CalibrationTests
{
    // Windows whose top class (probability `confidence`) is right `accuracy` of the time; the rest spread evenly.
    private static List<(float[] Raw, int Truth)> Windows(double confidence, double accuracy, int n = 2000)
    {
        var random = new Random(3);
        var windows = new List<(float[], int)>();
        for (int i = 0; i < n; i++)
        {
            int top = 1 + random.Next(7); // training label index (1 = calm is skipped below)
            if (top == 1) top = 2;
            var raw = Enumerable.Repeat((float)((1 - confidence) / 7), 8).ToArray();
            raw[top] = (float)confidence;
            int product = VoiceEmotion.Pipeline.Inference.EmotionLabels.IndexOf(DatasetLoader.TrainingLabels[top]);
            int truth = random.NextDouble() < accuracy ? product : (product + 1 + random.Next(6)) % 7;
            windows.Add((raw, truth));
        }
        return windows;
    }

    [Fact]
    public void AnOverConfidentModelHasALargeEceAndATemperatureAboveOneShrinksIt()
    {
        var labels = new LabelMap(DatasetLoader.TrainingLabels);
        var windows = Windows(confidence: 0.9, accuracy: 0.6);
        var raw = Calibration.Measure(labels, windows, 1f);
        Assert.InRange(raw.Ece, 0.25, 0.35); // 0.9 said, 0.6 right
        float t = Calibration.FitTemperature(labels, windows);
        Assert.True(t > 1.2f, $"temperature {t}");
        var fitted = Calibration.Measure(labels, windows, t);
        Assert.True(fitted.Ece < 0.08, $"ECE {fitted.Ece:F3} after temperature {t}");
        Assert.True(fitted.Nll < raw.Nll);
        Assert.Equal(windows.Count, raw.Reliability.Sum(b => b.Windows));
    }

    [Fact]
    public void AWellCalibratedModelKeepsATemperatureNearOne()
    {
        var labels = new LabelMap(DatasetLoader.TrainingLabels);
        var windows = Windows(confidence: 0.7, accuracy: 0.7);
        Assert.True(Calibration.Measure(labels, windows, 1f).Ece < 0.04);
        Assert.InRange(Calibration.FitTemperature(labels, windows), 0.85f, 1.2f);
    }
}

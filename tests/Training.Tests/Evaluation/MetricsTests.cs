namespace VoiceEmotion.Training.Tests.Evaluation;

public sealed class MetricsTests
{
    [Fact]
    public void PerClassAndMacroFiguresFollowTheirDefinitions()
    {
        string[] labels = ["a", "b", "c"];
        int[] truth = [0, 0, 0, 1, 1, 2];
        int[] predicted = [0, 0, 1, 1, 2, 2];
        var m = Metrics.Compute(labels, truth, predicted, skipped: 4);
        Assert.Equal(4.0 / 6, m.Accuracy, 9);
        Assert.Equal(1.0, m.PerClass["a"].Precision, 9);
        Assert.Equal(2.0 / 3, m.PerClass["a"].Recall, 9);
        Assert.Equal(0.5, m.PerClass["b"].Precision, 9);
        Assert.Equal(0.5, m.PerClass["b"].Recall, 9);
        Assert.Equal(2.0 / 3, m.PerClass["c"].F1, 9);
        Assert.Equal((0.8 + 0.5 + 2.0 / 3) / 3, m.MacroF1, 9);
        Assert.Equal([2, 1, 0], m.Confusion[0]);
        Assert.Equal(3, m.PerClass["a"].Support);
        Assert.Equal(4, m.Skipped);
        Assert.Equal(6, m.Files);
    }

    [Fact]
    public void ClassesWithoutSupportDoNotCountInMacroF1()
    {
        var m = Metrics.Compute(["a", "b", "c"], [0, 1], [0, 1]);
        Assert.Equal(1.0, m.MacroF1, 9);
        Assert.Equal(0, m.PerClass["c"].Support);
    }

    [Fact]
    public void TheJsonHasTheContractKeys()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Metrics.Compute(["a", "b"], [0, 1], [0, 0]));
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        foreach (var key in new[] { "labels", "files", "skipped", "accuracy", "macroF1", "perClass", "confusion" })
            Assert.True(doc.RootElement.TryGetProperty(key, out _), key);
        var a = doc.RootElement.GetProperty("perClass").GetProperty("a");
        foreach (var key in new[] { "precision", "recall", "f1", "support" }) Assert.True(a.TryGetProperty(key, out _), key);
    }
}

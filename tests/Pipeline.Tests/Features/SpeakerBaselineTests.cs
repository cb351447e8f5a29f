using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Pipeline.Tests.Features;

public sealed class SpeakerBaselineTests
{
    private static readonly int W = FeatureSchema.WindowStatisticsCount;

    private static float[] Stats(float value) => Enumerable.Repeat(value, W).ToArray();

    [Fact]
    public void TheSchemaAppendsOneRelativeValuePerStatisticAndAWeight()
    {
        Assert.Equal(2 * W + 1, FeatureSchema.WindowFeatureCount);
        Assert.Equal("session_rel_" + FeatureSchema.WindowStatisticNames[0], FeatureSchema.WindowFeatureNames[W]);
        Assert.Equal("session_weight", FeatureSchema.WindowFeatureNames[^1]);
        Assert.Contains("session", FeatureSchema.Version);
    }

    [Fact]
    public void BeforeAnySpeechTheBlockIsZeroThenRelativeToTheMeanWeightedByTheSpeechHeard()
    {
        var baseline = new SpeakerBaseline();
        var block = new float[W + 1];
        block.AsSpan().Fill(9);
        baseline.WriteRelative(Stats(5), block);
        Assert.All(block, v => Assert.Equal(0f, v));

        baseline.Add(Stats(2));
        baseline.Add(Stats(4));
        baseline.WriteRelative(Stats(5), block);
        float w = 2f / (2 + SpeakerBaseline.PriorUpdates);
        Assert.Equal(w, block[W], 6);
        Assert.Equal(w * (5 - 3), block[0], 5); // mean of 2 and 4 is 3
        Assert.Equal(w * (5 - 3), block[W - 1], 5);
    }

    [Fact]
    public void ALongSessionForgetsOldSpeechSoTheBaselineFollowsTheSpeaker()
    {
        var baseline = new SpeakerBaseline();
        for (int i = 0; i < SpeakerBaseline.MemoryUpdates; i++) baseline.Add(Stats(0));
        for (int i = 0; i < 3 * SpeakerBaseline.MemoryUpdates; i++) baseline.Add(Stats(10));
        var block = new float[W + 1];
        baseline.WriteRelative(Stats(10), block);
        // A cumulative mean would sit at 7.5 (relative 2.5); the forgetting mean is within e^-3 of 10.
        Assert.InRange(block[0] / block[W], 0, 10 * Math.Exp(-3) + 0.05);
    }

    [Fact]
    public void TheLiveSessionFillsTheBlockFromItsOwnEarlierSpeechUpdates()
    {
        var analyzer = new StreamAnalyzer("s");
        var windows = new List<WindowInput>();
        analyzer.PushSamples(Signals.SpeechLike(16000, 8, seed: 3), windows);
        var speech = windows.Where(w => w.Speech).ToList();
        Assert.True(speech.Count >= 5, $"only {speech.Count} speech updates");

        // Replay the same statistics through a baseline by hand: the session's blocks must match exactly.
        var expected = new SpeakerBaseline();
        var block = new float[W + 1];
        foreach (var w in speech)
        {
            expected.WriteRelative(w.Stats.AsSpan(0, W), block);
            Assert.Equal(block, w.Stats.AsSpan(W, W + 1).ToArray());
            expected.Add(w.Stats.AsSpan(0, W));
        }
        Assert.Equal(0f, speech[0].Stats[^1]);
        Assert.True(speech[^1].Stats[^1] > 0.2f);
        Assert.Equal(speech.Count, analyzer.BaselineSpeechUpdates);
        foreach (var w in windows) analyzer.Complete(w, new float[EmotionLabels.Count]);
    }
}

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
            if (w.FoldedIntoBaseline) expected.Add(w.Stats.AsSpan(0, W));
        }
        Assert.Equal(0f, speech[0].Stats[^1]);
        Assert.True(speech[^1].Stats[^1] > 0.2f);
        Assert.Equal(speech.Count(w => w.FoldedIntoBaseline), analyzer.BaselineSpeechUpdates);
        foreach (var w in windows) analyzer.Complete(w, new float[EmotionLabels.Count]);
    }

    [Fact]
    public void APauseFoldsOnlyItsFirstWindowIntoTheBaselineWhateverItsLength()
    {
        // 2.3 s of speech, then 2 s of silence: the updates in the silence still hold the utterance (speech), but the
        // window is the utterance diluted by the pause after it. The first such update is folded in, the rest are only
        // scored, so a long pause does not draw the speaker's baseline toward silence.
        var audio = Vowel(2.3).Concat(new float[32000]).ToArray();
        var analyzer = new StreamAnalyzer("s");
        var windows = new List<WindowInput>();
        analyzer.PushSamples(audio, windows);
        var paused = windows.Where(w => w.Speech && w.AudioTime >= 2.3 + 0.4).ToList();
        Assert.True(paused.Count >= 2, $"{paused.Count} speech updates in the pause");
        Assert.All(paused, w => Assert.True(w.InPause, $"update at {w.AudioTime} s not in a pause"));
        var pauseUpdates = windows.Where(w => w.Speech && w.InPause).ToList();
        Assert.True(pauseUpdates[0].FoldedIntoBaseline);
        Assert.All(pauseUpdates.Skip(1), w => Assert.False(w.FoldedIntoBaseline, $"update at {w.AudioTime} s folded"));
        Assert.All(windows.Where(w => w.Speech && !w.InPause), w => Assert.True(w.FoldedIntoBaseline));
        Assert.Equal(windows.Count(w => w.Speech && !w.InPause) + 1, analyzer.BaselineSpeechUpdates);
        // Scored with a session block all the same (weight > 0 after the utterance's own updates).
        Assert.All(paused, w => Assert.True(w.Stats[^1] > 0));
        foreach (var w in windows) analyzer.Complete(w, new float[EmotionLabels.Count]);

        // The next utterance sees the same baseline after a 1 s pause as after a 4 s one (whole update steps apart, so its
        // windows fall on the same frames of it).
        Assert.Equal(NextUtteranceBlock(1.0), NextUtteranceBlock(4.0));
    }

    // The session block of the first update of a second utterance that follows the first after a pause.
    private static float[] NextUtteranceBlock(double pauseSeconds)
    {
        var audio = Vowel(2.3).Concat(new float[(int)(16000 * pauseSeconds)]).ToArray();
        int resume = audio.Length;
        audio = audio.Concat(Vowel(2.0)).ToArray();
        var analyzer = new StreamAnalyzer("s");
        var windows = new List<WindowInput>();
        analyzer.PushSamples(audio, windows);
        var first = windows.First(w => w.Speech && w.AudioTime * 16000 > resume + 0.4 * 16000);
        var block = first.Stats.AsSpan(W).ToArray();
        foreach (var w in windows) analyzer.Complete(w, new float[EmotionLabels.Count]);
        return block;
    }

    // A sustained voiced sound, 150 Hz with a slow glide and ten harmonics: voiced in every frame.
    private static float[] Vowel(double seconds)
    {
        var x = new float[(int)(16000 * seconds)];
        double phase = 0;
        for (int n = 0; n < x.Length; n++)
        {
            phase += 2 * Math.PI * (150 + 20 * Math.Sin(2 * Math.PI * n / 16000.0)) / 16000;
            double v = 0;
            for (int h = 1; h <= 10; h++) v += Math.Sin(h * phase) / h;
            x[n] = (float)(0.2 * v);
        }
        return x;
    }
}

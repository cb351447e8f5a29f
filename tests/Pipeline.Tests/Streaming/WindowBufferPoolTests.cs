using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Pipeline.Tests.Streaming;

public sealed class WindowBufferPoolTests
{
    private static readonly int F = FeatureSchema.FrameFeatureCount;

    [Fact]
    public void AnEndedSessionsWindowsServeTheNextSessionAndCarryNothingOver()
    {
        var pool = new WindowBufferPool(capacity: 64);
        var first = new StreamAnalyzer("a") { WindowPool = pool };
        var firstWindows = Completed(first, Signals.SpeechLike(16000, 4, seed: 9));
        Assert.Equal((0, 0), pool.Count);
        first.ReleaseBuffers();
        Assert.Equal((firstWindows.Count, 1), pool.Count);
        Assert.Throws<InvalidOperationException>(() => first.PushSamples(new float[1600], []));
        first.ReleaseBuffers(); // twice is harmless: nothing is given back twice
        Assert.Equal((firstWindows.Count, 1), pool.Count);

        // The next session, on other audio, takes those windows and that session's window statistics (its ring still
        // holds the first session's frames); a session on buffers never used before is the reference.
        var audio = Signals.SpeechLike(16000, 4, seed: 5);
        var reused = new StreamAnalyzer("b") { WindowPool = pool };
        var fresh = new StreamAnalyzer("c") { WindowPool = new WindowBufferPool(capacity: 0) };
        var got = new List<WindowInput>();
        var want = new List<WindowInput>();
        reused.PushSamples(audio, got);
        fresh.PushSamples(audio, want);
        Assert.Equal(want.Count, got.Count);
        Assert.Equal(firstWindows.Count, got.Count(w => firstWindows.Contains(w)));
        Assert.Equal((0, 0), pool.Count);
        Assert.True(got.Count(w => w.Speech) >= 4, "too few speech windows to compare");
        for (int i = 0; i < want.Count; i++)
        {
            Assert.Equal((want[i].Seq, want[i].AudioTime, want[i].WindowSeconds, want[i].Speech, want[i].InPause, want[i].FoldedIntoBaseline),
                (got[i].Seq, got[i].AudioTime, got[i].WindowSeconds, got[i].Speech, got[i].InPause, got[i].FoldedIntoBaseline));
            Assert.Equal((want[i].VoicedFraction, want[i].LoudnessDb, want[i].PitchHz), (got[i].VoicedFraction, got[i].LoudnessDb, got[i].PitchHz));
            // What the model reads (speech windows only; it is never given the others).
            if (want[i].Speech)
            {
                Assert.Equal(want[i].Frames, got[i].Frames);
                Assert.Equal(want[i].Stats, got[i].Stats);
            }
        }
    }

    [Fact]
    public void AWindowStillWithTheModelIsNotHandedOn()
    {
        // Only completed windows are spare: one the session never completed (stopped while the model had it) stays out.
        var pool = new WindowBufferPool(capacity: 64);
        var analyzer = new StreamAnalyzer("a") { WindowPool = pool };
        var windows = new List<WindowInput>();
        analyzer.PushSamples(Signals.SpeechLike(16000, 3, seed: 2), windows);
        foreach (var w in windows.SkipLast(1)) analyzer.Complete(w, new float[EmotionLabels.Count]);
        analyzer.ReleaseBuffers();
        Assert.Equal((windows.Count - 1, 1), pool.Count);
        var next = new List<WindowInput>();
        new StreamAnalyzer("b") { WindowPool = pool }.PushSamples(Signals.SpeechLike(16000, 6, seed: 3), next);
        Assert.DoesNotContain(windows[^1], next);
        Assert.Equal(windows.Count - 1, next.Count(w => windows.Contains(w)));
    }

    [Fact]
    public void ThePoolKeepsAtMostItsCapacityAndOnlyHandsOutTheSizeAsked()
    {
        var pool = new WindowBufferPool(capacity: 2);
        var spare = new Stack<WindowInput>([new WindowInput(300), new WindowInput(300), new WindowInput(300)]);
        pool.Return(spare);
        Assert.Empty(spare);
        Assert.Equal((2, 0), pool.Count);
        var shorter = pool.RentInput(100);
        Assert.Equal(100 * F, shorter.Frames.Length);
        Assert.Equal((2, 0), pool.Count);
        Assert.Equal(300 * F, pool.RentInput(300).Frames.Length);
        Assert.Equal((1, 0), pool.Count);

        // Statistics come back reset, and only as many as the capacity; another window length gets new ones.
        var used = new WindowStatistics(300);
        for (int i = 0; i < 40; i++) used.Push(new float[F]);
        pool.Return(new WindowStatistics(300));
        pool.Return(used);
        pool.Return(new WindowStatistics(300)); // no room
        Assert.Equal((1, 2), pool.Count);
        Assert.Equal(100, pool.RentStatistics(100).WindowFrames);
        var again = pool.RentStatistics(300);
        Assert.Same(used, again);
        Assert.Equal((0, 0, 0f), (again.Count, again.VoicedFrames, again.Mean(0)));
        Assert.Equal((1, 1), pool.Count);
    }

    [Fact]
    public void AWindowReadAfterItsSessionWentOnHoldsTheFramesOfItsOwnTime()
    {
        // The model reads a live window's frames from the session's ring (one copy, into its batch tensor); the session
        // copies them out only when it goes on before the model has read them. Either way the model must read the frames
        // of the window's own time.
        var audio = Signals.SpeechLike(16000, 6, seed: 4);
        int values = SessionOptions.Default.WindowFrames * F;
        var probabilities = new float[EmotionLabels.Count];

        // Live: 0.1 s pieces (at most one window each), every window read as soon as it is made — from the ring.
        var live = new StreamAnalyzer("live");
        var read = new List<float[]>();
        var ready = new List<WindowInput>();
        for (int i = 0; i < audio.Length; i += 1600)
        {
            live.PushSamples(audio.AsSpan(i, Math.Min(1600, audio.Length - i)), ready);
            foreach (var w in ready)
            {
                if (w.Speech)
                {
                    var frames = new float[values];
                    w.CopyFramesTo(frames);
                    read.Add(frames);
                }
                live.Complete(w, probabilities);
            }
            ready.Clear();
        }

        // An upload: all of it in one piece before the model reads anything, then more audio.
        var upload = new StreamAnalyzer("upload");
        var windows = new List<WindowInput>();
        upload.PushSamples(audio, windows);
        var speech = windows.Where(w => w.Speech).ToList();
        Assert.True(speech.Count >= 6, $"{speech.Count} speech windows");
        Assert.Equal(read.Count, speech.Count);
        var last = new float[values];
        speech[^1].CopyFramesTo(last); // still in the ring
        Assert.Equal(read[^1], last);
        upload.PushSamples(Signals.SpeechLike(16000, 2, seed: 8), windows); // the ring moves on
        for (int i = 0; i < speech.Count; i++)
        {
            var frames = new float[values];
            speech[i].CopyFramesTo(frames);
            Assert.Equal(read[i], frames);
            Assert.Equal(read[i], speech[i].Frames);
        }
        // (Not a comparison of zeros.)
        Assert.Contains(read, r => r.AsSpan().IndexOfAnyExcept(0f) >= 0);
    }

    private static List<WindowInput> Completed(StreamAnalyzer analyzer, float[] audio)
    {
        var windows = new List<WindowInput>();
        analyzer.PushSamples(audio, windows);
        foreach (var w in windows) analyzer.Complete(w, new float[EmotionLabels.Count]);
        return windows;
    }
}

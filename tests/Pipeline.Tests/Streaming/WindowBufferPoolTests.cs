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
        Assert.Equal((0, 1L, 0L), pool.Extractors);
        first.ReleaseBuffers();
        Assert.Equal((firstWindows.Count, 1), pool.Count);
        Assert.Equal((1, 1L, 0L), pool.Extractors);
        Assert.Equal(4.0, first.AudioSeconds); // its own count, not the extractor's now that it is given back
        Assert.Throws<InvalidOperationException>(() => first.PushSamples(new float[1600], []));
        first.ReleaseBuffers(); // twice is harmless: nothing is given back twice
        Assert.Equal((firstWindows.Count, 1), pool.Count);

        // The next session, on other audio, takes those windows, that session's window statistics (its ring still
        // holds the first session's frames) and its feature extractor (its sample history, voice level, MFCC history and
        // decimated signal were the first session's until reset); a session on buffers never used before is the reference.
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
        Assert.Equal((0, 1L, 0L), pool.Extractors);
        Assert.Equal(reused.AudioSeconds, fresh.AudioSeconds);
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
    public void ExtractorsComeBackResetOnlyAsManyAsTheCapacityAndNeverWarped()
    {
        var pool = new WindowBufferPool(capacity: 1);
        var audio = Signals.SpeechLike(16000, 1.5, seed: 12);
        var used = new FrameFeatureExtractor();
        var sink = new FrameRecorder();
        used.Push(Signals.SpeechLike(16000, 2, seed: 13), sink);
        pool.Return(new FrameFeatureExtractor(formantWarp: 1.1)); // a training extractor: not kept
        Assert.Equal((0, 0L, 0L), pool.Extractors);
        pool.Return(used);
        pool.Return(new FrameFeatureExtractor()); // no room
        Assert.Equal((1, 0L, 1L), pool.Extractors);
        var again = pool.RentExtractor();
        Assert.Same(used, again);
        Assert.Equal((0L, 0L), (again.FramesEmitted, again.SamplesPushed));
        var reused = new FrameRecorder();
        var fresh = new FrameRecorder();
        again.Push(audio, reused);
        new FrameFeatureExtractor().Push(audio, fresh);
        Assert.Equal(fresh.All, reused.All);
        Assert.NotSame(used, pool.RentExtractor());
        Assert.Equal((0, 1L, 1L), pool.Extractors);
    }

    private sealed class FrameRecorder : IFrameSink
    {
        public List<float> All { get; } = [];
        public void OnFrame(ReadOnlySpan<float> frame) => All.AddRange(frame);
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
        // The model reads a live window's frames from the session's ring (one copy, into its batch tensor) while the
        // session saves each frame the ring is about to overwrite. Whenever the model reads, it must get the frames of the
        // window's own time. Speech with pauses long enough to restart the window (the ring starts again from slot 0), and
        // 6 s of voice without one, so the ring fills and wraps: frames of a window being read are overwritten.
        float[] voice = [.. Signals.Harmonic(140, 16000, 1.5), .. Signals.Harmonic(190, 16000, 1.5, amplitude: 0.2),
            .. Signals.Harmonic(120, 16000, 1.5, harmonics: 4), .. Signals.Harmonic(230, 16000, 1.5, amplitude: 0.3)];
        float[] audio = [.. Signals.SpeechLike(16000, 2.2, seed: 4), .. new float[9600], .. voice, .. new float[7200],
            .. Signals.SpeechLike(16000, 1.7, seed: 6)];
        var seconds = new List<double>();
        var reference = Read(audio, pieceSamples: FeatureSchema.HopLength, readAtEnd: false, seconds);
        Assert.True(reference.Count >= 10, $"{reference.Count} speech windows");
        Assert.True(seconds.Count(s => s >= 3) >= 4, $"full windows: {seconds.Count(s => s >= 3)}");
        Assert.Contains(reference, r => r.AsSpan().IndexOfAnyExcept(0f) >= 0);
        foreach (int piece in new[] { 1600, 5920, 8000, 12345 })
            Assert.Equal(reference, Read(audio, piece, readAtEnd: false));
        Assert.Equal(reference, Read(audio, audio.Length, readAtEnd: true));
    }

    /// <summary>The frames the model reads of every speech window: each window read (<see cref="WindowInput.CopyFramesTo"/>)
    /// and completed as soon as the piece that made it was pushed, or all read only after all audio and 2 s more (an upload
    /// the model is slow on; compared also with <see cref="WindowInput.Frames"/>). Pieces of one hop make at most one frame,
    /// so a window is read before the ring has moved: the reference.</summary>
    private static List<float[]> Read(float[] audio, int pieceSamples, bool readAtEnd, List<double>? seconds = null)
    {
        var analyzer = new StreamAnalyzer("s");
        var probabilities = new float[EmotionLabels.Count];
        var read = new List<float[]>();
        var ready = new List<WindowInput>();
        var pending = new List<WindowInput>();
        for (int i = 0; i < audio.Length; i += pieceSamples)
        {
            analyzer.PushSamples(audio.AsSpan(i, Math.Min(pieceSamples, audio.Length - i)), ready);
            if (readAtEnd)
            {
                pending.AddRange(ready);
                ready.Clear();
                continue;
            }
            foreach (var w in ready)
            {
                if (w.Speech)
                {
                    read.Add(Frames(w));
                    seconds?.Add(w.WindowSeconds);
                }
                analyzer.Complete(w, probabilities);
            }
            ready.Clear();
        }
        if (!readAtEnd) return read;
        analyzer.PushSamples(Signals.SpeechLike(16000, 2, seed: 8), ready); // the ring moves on before the model reads
        foreach (var w in pending.Where(w => w.Speech))
        {
            var frames = Frames(w);
            Assert.Equal(frames, w.Frames);
            read.Add(frames);
        }
        return read;
    }

    private static float[] Frames(WindowInput w)
    {
        var frames = new float[SessionOptions.Default.WindowFrames * F];
        w.CopyFramesTo(frames);
        return frames;
    }

    private static List<WindowInput> Completed(StreamAnalyzer analyzer, float[] audio)
    {
        var windows = new List<WindowInput>();
        analyzer.PushSamples(audio, windows);
        foreach (var w in windows) analyzer.Complete(w, new float[EmotionLabels.Count]);
        return windows;
    }
}

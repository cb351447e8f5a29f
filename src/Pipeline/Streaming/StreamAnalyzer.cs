using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// The analysis state of one stream, whatever door it came through: bytes → 16 kHz → frame features → window
/// statistics, and every <see cref="SessionOptions.UpdateFrames"/> frames a <see cref="WindowInput"/> for the model.
/// Updates fall on the audio clock (frame count), so the same audio gives the same windows for any chunking.
/// Not thread-safe: one owner at a time (a <see cref="SessionPipeline"/>'s processing task, or <see cref="ClipAnalyzer"/>).
/// </summary>
public sealed class StreamAnalyzer : IFrameSink
{
    private readonly AudioInputDecoder? _decoder;
    // Rented from WindowPool at the first audio (the extractor) and the first frame (the window statistics), given back
    // by ReleaseBuffers.
    private FrameFeatureExtractor? _extractor;
    private WindowStatistics? _window;
    // 16 kHz samples pushed: the session's own count, so AudioSeconds (read from other threads: the live session list,
    // a disconnect's log line) never reads an extractor that has gone back to the pool and on to another session.
    private long _samplesPushed;
    private bool _released;
    private readonly SpeakerBaseline _baseline = new();
    private readonly Stack<WindowInput> _pool = new();
    private readonly double[] _probabilitySums = new double[EmotionLabels.Count];
    private readonly int[] _topCounts = new int[EmotionLabels.Count];
    // Decoded 16 kHz samples of the chunk being pushed: one buffer per thread, not per session (PushBytes is synchronous
    // and nothing in it pushes again), so 2,000 sessions do not each keep one.
    [ThreadStatic] private static float[]? t_samples;
    private List<WindowInput>? _ready;
    // The newest speech window while some of its frames are still read from the ring (WindowInput.Defer): each is saved
    // into the window just before the ring overwrites it.
    private WindowInput? _deferred;
    private int _seq, _speechUpdates;
    private long _realSamples = -1;

    public StreamAnalyzer(string id, AudioFormat? format = null, SessionOptions? options = null)
    {
        Id = id;
        Options = options ?? SessionOptions.Default;
        _decoder = format is null ? null : new AudioInputDecoder(format);
    }

    public string Id { get; }

    /// <summary>Where this analyzer takes its large buffers from and gives them back to (<see cref="ReleaseBuffers"/>).</summary>
    internal WindowBufferPool WindowPool { get; init; } = WindowBufferPool.Shared;

    public SessionOptions Options { get; }

    /// <summary>Seconds of audio analysed (at 16 kHz).</summary>
    public double AudioSeconds => (_realSamples >= 0 ? _realSamples : Volatile.Read(ref _samplesPushed)) / (double)FeatureSchema.SampleRate;

    /// <summary>Speech updates heard so far: what the session's speaker baseline rests on.</summary>
    public int BaselineSpeechUpdates => _baseline.SpeechUpdates;

    /// <summary>Updates completed so far.</summary>
    public int Updates { get; private set; }

    /// <summary>Decodes a wire chunk in the session's declared format and appends the windows it completes to <paramref name="ready"/>.</summary>
    public void PushBytes(ReadOnlySpan<byte> chunk, List<WindowInput> ready)
    {
        if (_decoder is null) throw new InvalidOperationException("this session was created without a wire format");
        int max = _decoder.MaxOutputSamples(chunk.Length);
        var samples = t_samples;
        if (samples is null || samples.Length < max) t_samples = samples = new float[Math.Max(max, 2 * (samples?.Length ?? 0))];
        int n = _decoder.Push(chunk, samples);
        PushSamples(samples.AsSpan(0, n), ready);
    }

    /// <summary>Adds 16 kHz mono samples and appends the windows they complete to <paramref name="ready"/>.</summary>
    public void PushSamples(ReadOnlySpan<float> samples16k, List<WindowInput> ready)
    {
        if (_released) throw new InvalidOperationException($"session {Id} has ended: its buffers were released");
        _ready = ready;
        Volatile.Write(ref _samplesPushed, _samplesPushed + samples16k.Length);
        (_extractor ??= WindowPool.RentExtractor()).Push(samples16k, this);
        _ready = null;
    }

    /// <summary>
    /// End of stream: the last frame of an update step reaches 15 ms past the step, so silence is appended to close
    /// it, and every step up to the real end of the audio gets its update (a 4.0 s stream gets 8).
    /// </summary>
    public void Finish(List<WindowInput> ready)
    {
        if (_realSamples >= 0) return;
        _realSamples = _samplesPushed;
        Span<float> silence = stackalloc float[FeatureSchema.FrameLength - FeatureSchema.HopLength];
        silence.Clear();
        PushSamples(silence, ready);
    }

    void IFrameSink.OnFrame(ReadOnlySpan<float> frame)
    {
        var window = _window ??= WindowPool.RentStatistics(Options.WindowFrames);
        if (_deferred is not null && !_deferred.BeforeRingWrite(frame)) _deferred = null;
        window.Push(frame);
        long frames = _extractor!.FramesEmitted;
        if (frames % Options.UpdateFrames != 0) return;
        if (_realSamples >= 0 && frames * FeatureSchema.HopLength > _realSamples) return;
        var w = _pool.Count > 0 ? _pool.Pop() : WindowPool.RentInput(Options.WindowFrames);
        w.Seq = _seq++;
        w.AudioTime = frames / (double)FeatureSchema.FramesPerSecond;
        w.WindowSeconds = window.Count / (double)FeatureSchema.FramesPerSecond;
        w.VoicedFraction = window.VoicedFraction;
        w.Speech = Options.HoldsSpeech(w.VoicedFraction, window.VoicedFrames);
        w.InPause = window.InPause;
        w.FoldedIntoBaseline = w.Speech && SpeakerBaseline.Folds(window.UnvoicedRun, Options.UpdateFrames);
        w.LoudnessDb = window.Mean(FeatureSchema.LoudnessDb);
        w.PitchHz = window.VoicedPitchHz;
        if (w.Speech)
        {
            // Several windows in one push (an upload's large piece): the earlier one is copied out whole, as before.
            KeepDeferredFrames();
            w.Defer(window);
            _deferred = w;
            window.Compute(w.Stats);
            _baseline.Step(w.Stats.AsSpan(0, FeatureSchema.WindowStatisticsCount), w.Stats.AsSpan(FeatureSchema.WindowStatisticsCount), w.FoldedIntoBaseline);
        }
        _ready!.Add(w);
    }

    /// <summary>
    /// Turns a window and its probabilities (ignored without speech) into the update, counts it for the summary and
    /// takes the window back for reuse. Windows must be completed in order.
    /// </summary>
    public EmotionUpdate Complete(WindowInput w, ReadOnlySpan<float> probabilities)
    {
        var p = new float[EmotionLabels.Count];
        string? top = null;
        float confidence = 0, arousal = 0, valence = 0;
        if (w.Speech)
        {
            probabilities[..EmotionLabels.Count].CopyTo(p);
            int best = 0;
            for (int i = 1; i < p.Length; i++) if (p[i] > p[best]) best = i;
            top = EmotionLabels.All[best];
            confidence = p[best];
            (arousal, valence) = AffectMapping.From(p);
            _speechUpdates++;
            _topCounts[best]++;
            for (int i = 0; i < p.Length; i++) _probabilitySums[i] += p[i];
        }
        var update = new EmotionUpdate(Id, w.Seq, w.AudioTime, w.WindowSeconds, w.Speech, w.VoicedFraction, p, top,
            confidence, arousal, valence, w.LoudnessDb, w.PitchHz);
        Updates++;
        // The model has read it: the ring may move on without copying it out.
        w.Detach();
        if (ReferenceEquals(w, _deferred)) _deferred = null;
        _pool.Push(w);
        return update;
    }

    // The ring is about to be reset or handed on, or a newer window takes over the ring: a window not completed yet gets
    // its own copy of every frame (the model may not have read them).
    private void KeepDeferredFrames()
    {
        if (_deferred is null) return;
        _deferred.Materialize();
        _deferred = null;
    }

    /// <summary>
    /// The stream is over: its feature extractor, window statistics and spare windows go to <see cref="WindowPool"/> for the next session.
    /// Only windows already completed (<see cref="Complete"/>) are spare, so a window the model may still hold — a
    /// session stopped while it waited — is never handed on. Summaries still work afterwards; more audio is refused.
    /// </summary>
    public void ReleaseBuffers()
    {
        if (_released) return;
        _released = true;
        KeepDeferredFrames();
        WindowPool.Return(_pool);
        if (_window is not null) WindowPool.Return(_window);
        _window = null;
        if (_extractor is not null)
        {
            var extractor = _extractor;
            _extractor = null;
            WindowPool.Return(extractor);
        }
    }

    /// <summary>The session so far: duration, speech time, share of speech updates per top label, mean probabilities.</summary>
    public SessionSummary Summarize()
    {
        var share = new float[EmotionLabels.Count];
        var mean = new float[EmotionLabels.Count];
        string? dominant = null;
        if (_speechUpdates > 0)
        {
            for (int i = 0; i < share.Length; i++)
            {
                share[i] = (float)_topCounts[i] / _speechUpdates;
                mean[i] = (float)(_probabilitySums[i] / _speechUpdates);
            }
            // Shares are counts over one divisor: equal counts give equal shares, so ties are the counts' ties.
            dominant = EmotionLabels.All[EmotionLabels.DominantIndex<float>(share, mean)];
        }
        double step = Options.UpdateFrames / (double)FeatureSchema.FramesPerSecond;
        return new SessionSummary(Id, AudioSeconds, _speechUpdates * step, Updates, dominant, share, mean);
    }
}

using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Bench;

/// <summary>Window statistics as the hub runs them at 2,000 calls: each session's 50 frames of an update pushed, then its
/// statistics computed, one session after another — so every session's ring is out of the cache when its turn comes,
/// which a benchmark over one warm instance (<see cref="FeatureBenchmarks.WindowStatistics_Compute"/>) does not show.
/// The time is per session update (50 pushes and one Compute).</summary>
[MemoryDiagnoser]
public class ManySessionsStatisticsBenchmarks
{
    private const int Sessions = 2000, UpdateFrames = FeatureSchema.UpdateFrames;
    private WindowStatistics[] _sessions = null!;
    private float[] _frames = null!;
    private int _frameCount, _next;
    private readonly float[] _window = new float[FeatureSchema.WindowFeatureCount];

    [GlobalSetup]
    public void Setup()
    {
        _frames = FrameFeatureExtractor.ExtractAll(SyntheticSpeech.GenerateContinuous(16000 * 20), out _frameCount);
        _sessions = new WindowStatistics[Sessions];
        int f = FeatureSchema.FrameFeatureCount;
        for (int s = 0; s < Sessions; s++)
        {
            _sessions[s] = new WindowStatistics();
            for (int i = 0; i < 400; i++) _sessions[s].Push(_frames.AsSpan((s * 7 + i) % _frameCount * f, f));
        }
    }

    [Benchmark(OperationsPerInvoke = Sessions)]
    public void PushUpdateAndCompute_2000Sessions()
    {
        int f = FeatureSchema.FrameFeatureCount;
        for (int s = 0; s < Sessions; s++)
        {
            var stats = _sessions[s];
            for (int i = 0; i < UpdateFrames; i++)
            {
                stats.Push(_frames.AsSpan(_next * f, f));
                if (++_next == _frameCount) _next = 0;
            }
            stats.Compute(_window);
        }
    }
}

/// <summary>Frame features as the hub computes them at 2,000 calls: each session's 250 ms chunk (25 frames) in turn, so
/// every session's extractor is out of the cache when its chunk comes; against one extractor fed the same chunks
/// (warm). Per frame.</summary>
[MemoryDiagnoser]
public class ManySessionsFeatureBenchmarks
{
    private const int Sessions = 2000, ChunkSamples = 4000, FramesPerChunk = 25;
    private FrameFeatureExtractor[] _sessions = null!;
    private FrameFeatureExtractor _one = null!;
    private float[] _audio = null!;
    private int _next;
    private readonly NullFrameSink _sink = new();

    [GlobalSetup]
    public void Setup()
    {
        _audio = SyntheticSpeech.GenerateContinuous(16000 * 30);
        _sessions = new FrameFeatureExtractor[Sessions];
        for (int s = 0; s < Sessions; s++)
        {
            _sessions[s] = new FrameFeatureExtractor();
            _sessions[s].Push(_audio.AsSpan(s % 100 * 160, 16000), _sink);
        }
        _one = new FrameFeatureExtractor();
        _one.Push(_audio.AsSpan(0, 16000), _sink);
    }

    private ReadOnlySpan<float> NextChunk()
    {
        if (_next + ChunkSamples > _audio.Length) _next = 0;
        var chunk = _audio.AsSpan(_next, ChunkSamples);
        _next += ChunkSamples;
        return chunk;
    }

    [Benchmark(OperationsPerInvoke = Sessions * FramesPerChunk)]
    public void Chunk_2000Sessions()
    {
        for (int s = 0; s < Sessions; s++) _sessions[s].Push(NextChunk(), _sink);
    }

    [Benchmark(OperationsPerInvoke = Sessions * FramesPerChunk)]
    public void Chunk_OneSession()
    {
        for (int s = 0; s < Sessions; s++) _one.Push(NextChunk(), _sink);
    }
}

/// <summary>A whole session's analysis as the hub runs it at 2,000 calls: each call's 250 ms PCM chunk in turn through its
/// <see cref="StreamAnalyzer"/> (decode, frame features, window statistics, a window every 500 ms, completed at once),
/// so every session's state is out of the cache when its chunk comes. Per frame.</summary>
[MemoryDiagnoser]
public class ManySessionsAnalyzerBenchmarks
{
    private const int Sessions = 2000, ChunkBytes = 8000, FramesPerChunk = 25;
    private StreamAnalyzer[] _sessions = null!;
    private byte[] _pcm = null!;
    private int _next;
    private readonly List<WindowInput> _ready = [];
    private readonly float[] _probabilities = new float[EmotionLabels.Count];

    [GlobalSetup]
    public void Setup()
    {
        _pcm = AudioEncodings.Encode(SyntheticSpeech.GenerateContinuous(16000 * 30), AudioEncoding.Pcm16Le);
        var format = new AudioFormat(AudioEncoding.Pcm16Le, 16000, 1);
        _sessions = new StreamAnalyzer[Sessions];
        for (int s = 0; s < Sessions; s++)
        {
            _sessions[s] = new StreamAnalyzer("call-" + s, format);
            for (int c = 0; c < 4 + s % 4; c++) Push(_sessions[s]); // different phases of the 500 ms update step
        }
    }

    private void Push(StreamAnalyzer session)
    {
        if (_next + ChunkBytes > _pcm.Length) _next = 0;
        session.PushBytes(_pcm.AsSpan(_next, ChunkBytes), _ready);
        _next += ChunkBytes;
        foreach (var w in _ready) session.Complete(w, _probabilities);
        _ready.Clear();
    }

    [Benchmark(OperationsPerInvoke = Sessions * FramesPerChunk)]
    public void Chunk_2000Calls()
    {
        for (int s = 0; s < Sessions; s++) Push(_sessions[s]);
    }
}

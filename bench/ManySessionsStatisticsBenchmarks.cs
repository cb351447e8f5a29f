using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Features;

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

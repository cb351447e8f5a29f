using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Dsp;
using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Bench;

/// <summary>Per-block costs of the feature path; MemoryDiagnoser proves the steady state allocates nothing.</summary>
[MemoryDiagnoser]
public class FeatureBenchmarks
{
    private readonly float[] _second = SyntheticSpeech.Generate(16000);
    private readonly float[] _frame = new float[FeatureSchema.FrameFeatureCount];
    private readonly float[] _power = new float[257];
    private readonly float[] _window = new float[FeatureSchema.WindowFeatureCount];
    private readonly float[] _resampled = new float[20000];
    private readonly float[] _at48k = SyntheticSpeech.Generate(48000);
    private readonly NullSink _sink = new();
    private FrameFeatureExtractor _extractor = null!;
    private WindowStatistics _stats = null!;
    private RealFft _fft = null!;
    private Resampler _resampler = null!;

    [GlobalSetup]
    public void Setup()
    {
        _extractor = new FrameFeatureExtractor();
        _extractor.Push(_second, _sink);
        _stats = new WindowStatistics();
        var frames = FrameFeatureExtractor.ExtractAll(_second, out int n);
        for (int i = 0; i < 400; i++) _stats.Push(frames.AsSpan(i % n * _frame.Length, _frame.Length));
        _fft = new RealFft(512);
        _resampler = new Resampler(48000);
    }

    /// <summary>One second of audio (100 frames) through the frame extractor.</summary>
    [Benchmark]
    public void FrameFeatures_OneSecond() => _extractor.Push(_second, _sink);

    [Benchmark]
    public void Fft512_PowerSpectrum() => _fft.PowerSpectrum(_second.AsSpan(0, 512), _power);

    [Benchmark]
    public void WindowStatistics_Push() => _stats.Push(_frame);

    [Benchmark]
    public void WindowStatistics_Compute() => _stats.Compute(_window);

    /// <summary>One second of 48 kHz audio resampled to 16 kHz.</summary>
    [Benchmark]
    public int Resample48k_OneSecond() => _resampler.Process(_at48k, _resampled);

    private sealed class NullSink : IFrameSink
    {
        public void OnFrame(ReadOnlySpan<float> frame) { }
    }
}

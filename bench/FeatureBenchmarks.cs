using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Dsp;
using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Bench;

/// <summary>Per-block costs of the feature path, one benchmark per stage of a frame (continuous speech, so the pitch
/// search runs on most frames); MemoryDiagnoser proves the steady state allocates nothing.</summary>
[MemoryDiagnoser, MedianColumn]
public class FeatureBenchmarks
{
    private readonly float[] _second = SyntheticSpeech.GenerateContinuous(16000);
    private readonly float[] _frame = new float[FeatureSchema.FrameFeatureCount];
    private readonly float[] _power = new float[257];
    private readonly float[] _mel = new float[FeatureSchema.LogMelCount];
    private readonly float[] _mfcc = new float[FeatureSchema.MfccCount];
    private readonly float[] _narrow = new float[667 / 2];
    private readonly float[] _window = new float[FeatureSchema.WindowFeatureCount];
    private readonly float[] _resampled = new float[20000];
    private readonly float[] _at48k = SyntheticSpeech.Generate(48000);
    private readonly float[] _decimator = new float[31];
    private readonly NullFrameSink _sink = new();
    private readonly MelFilterbank _melBank = new(FeatureSchema.LogMelCount, 512, FeatureSchema.SampleRate, 20, 8000);
    private readonly Dct _dct = new(FeatureSchema.LogMelCount, 1, FeatureSchema.MfccCount);
    private readonly SpectrumBands _bands = new(512, FeatureSchema.SampleRate);
    private FrameFeatureExtractor _extractor = null!;
    private WindowStatistics _stats = null!;
    private RealFft _fft = null!;
    private PitchTracker _pitch8k = null!, _pitch4k = null!;
    private readonly float[] _narrow4k = new float[667 / 4];
    private readonly float[] _decimated = new float[40];
    private readonly Decimator _decimator4 = new(4, 47, 1700, FeatureSchema.SampleRate, 166);
    private Resampler _resampler = null!;
    private readonly byte[] _chunk250ms = new byte[2 * 4000];
    private readonly float[] _decoded = new float[4000];
    private ChunkDecoder _decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _extractor = new FrameFeatureExtractor();
        _extractor.Push(_second, _sink);
        _stats = new WindowStatistics();
        var frames = FrameFeatureExtractor.ExtractAll(_second, out int n);
        for (int i = 0; i < 400; i++) _stats.Push(frames.AsSpan(i % n * _frame.Length, _frame.Length));
        _fft = new RealFft(512);
        _fft.PowerSpectrum(_second.AsSpan(4000, 400), _power);
        _melBank.Apply(_power, _mel);
        for (int i = 0; i < _narrow.Length; i++) _narrow[i] = _second[4000 + 2 * i];
        for (int i = 0; i < _decimator.Length; i++) _decimator[i] = 1f / 31;
        _pitch8k = new PitchTracker(8000, 60, 500, _narrow.Length);
        for (int i = 0; i < _narrow4k.Length; i++) _narrow4k[i] = _second[4000 + 4 * i];
        _pitch4k = new PitchTracker(4000, 60, 500, _narrow4k.Length);
        _resampler = new Resampler(48000);
        for (int i = 0; i < _decoded.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(_chunk250ms.AsSpan(2 * i), (short)(_second[i] * 30000));
        _decoder = new ChunkDecoder(new AudioFormat(AudioEncoding.Pcm16Le, FeatureSchema.SampleRate, 1));
    }

    /// <summary>A 250 ms PCM16 chunk to float as the decoder did before stop 30: a span slice and a division per sample.</summary>
    [Benchmark]
    public float DecodePcm16_250ms_Before()
    {
        var bytes = (ReadOnlySpan<byte>)_chunk250ms;
        for (int i = 0; i < _decoded.Length; i++)
            _decoded[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]) / 32768f;
        return _decoded[^1];
    }

    /// <summary>The same chunk through the decoder now (SIMD widen and convert).</summary>
    [Benchmark]
    public int DecodePcm16_250ms() => _decoder.Decode(_chunk250ms, _decoded);

    /// <summary>One second of audio (100 frames) through the frame extractor.</summary>
    [Benchmark]
    public void FrameFeatures_OneSecond() => _extractor.Push(_second, _sink);

    [Benchmark]
    public void Fft512_PowerSpectrum() => _fft.PowerSpectrum(_second.AsSpan(4000, 400), _power);

    [Benchmark]
    public void Mel40_Apply() => _melBank.Apply(_power, _mel);

    [Benchmark]
    public void Dct13_Apply() => _dct.Apply(_mel, _mfcc);

    [Benchmark]
    public void SpectralShape_Describe() => _bands.Describe(_power, out _, out _, out _, out _, out _);

    /// <summary>The pitch decimator of one frame before this change: 80 outputs at 8 kHz, a 31-tap dot product each.</summary>
    [Benchmark]
    public float PitchDecimator_Before_8k()
    {
        float s = 0;
        for (int i = 0; i < 80; i++) s += TensorPrimitives.Dot(_decimator, _second.AsSpan(4000 + 2 * i, 31));
        return s;
    }

    /// <summary>The pitch decimator of one frame now: 40 outputs at 4 kHz, 47 taps, SIMD along time.</summary>
    [Benchmark]
    public void PitchDecimator_4k() => _decimator4.Process(_second.AsSpan(4000, _decimator4.InputLength(40)), _decimated);

    /// <summary>YIN as before this change: 333 samples at 8 kHz, autocorrelation by two 512-point FFTs (now the SIMD FFT).</summary>
    [Benchmark]
    public float Pitch_Yin8k_333() => _pitch8k.Estimate(_narrow).F0Hz;

    /// <summary>YIN now: 166 samples at 4 kHz, 68 lags summed directly.</summary>
    [Benchmark]
    public float Pitch_Yin4k_166() => _pitch4k.Estimate(_narrow4k).F0Hz;

    [Benchmark]
    public void WindowStatistics_Push() => _stats.Push(_frame);

    [Benchmark]
    public void WindowStatistics_Compute() => _stats.Compute(_window);

    private readonly float[] _windowFrames = new float[FeatureSchema.DefaultWindowFrames * FeatureSchema.FrameFeatureCount];
    private readonly float[] _ringCopy = new float[FeatureSchema.DefaultWindowFrames * FeatureSchema.FrameFeatureCount];

    /// <summary>A full, wrapped 300-frame window out of a ring as before stop 30: one 81-value copy per row.</summary>
    [Benchmark]
    public void WindowFrames_RowByRow_Before()
    {
        int F = FeatureSchema.FrameFeatureCount, W = FeatureSchema.DefaultWindowFrames;
        for (int r = 0; r < W; r++)
            _ringCopy.AsSpan((100 + r) % W * F, F).CopyTo(_windowFrames.AsSpan(r * F, F));
    }

    /// <summary>The same window through <see cref="WindowStatistics.CopyFrames"/> now (two block copies).</summary>
    [Benchmark]
    public void WindowStatistics_CopyFrames() => _stats.CopyFrames(_windowFrames, FeatureSchema.DefaultWindowFrames);

    /// <summary>One second of 48 kHz audio resampled to 16 kHz.</summary>
    [Benchmark]
    public int Resample48k_OneSecond() => _resampler.Process(_at48k, _resampled);
}

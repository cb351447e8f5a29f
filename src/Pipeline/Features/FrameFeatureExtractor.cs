using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Pipeline.Features;

/// <summary>
/// Incremental frame features at 16 kHz: push any chunk size, and each 25 ms frame (10 ms hop) is emitted as soon as
/// its last sample arrives. Frame k covers samples [160k, 160k + 400). Everything is causal: pitch looks back over
/// the last 667 samples (the frame plus the longest pitch period), MFCC deltas are a regression over the last
/// five frames. Zero allocations per frame.
/// </summary>
public sealed class FrameFeatureExtractor
{
    private const int FftSize = 512;
    private const int MinPitchHz = 60, MaxPitchHz = 500;
    private const int PitchLookBack = FeatureSchema.SampleRate / MinPitchHz + 1;
    private const int AnalysisLength = FeatureSchema.FrameLength + PitchLookBack;
    private const int DeltaFrames = 5;
    // Pitch runs on the signal decimated to 4 kHz (F0 ≤ 500 Hz and its first harmonics need no more): 68 lags over
    // 166 samples, summed directly (PitchTracker), where 8 kHz took two 512-point FFTs.
    private const int PitchDecimation = 4;
    private const int PitchRate = FeatureSchema.SampleRate / PitchDecimation;
    private const int NarrowLength = AnalysisLength / PitchDecimation;
    // 47 taps, cut-off 1.7 kHz (−6 dB): flat to ~1.1 kHz, ≥ 50 dB down from 2.3 kHz, so what folds below 2 kHz is weak.
    private const int DecimatorTaps = 47;
    private const double DecimatorCutoffHz = 1700;
    private const float LogFloor = 1e-10f;
    private const float DbFloor = -100f;
    private const float VoicedAperiodicity = 0.3f;
    // Voicing needs energy within 35 dB of the stream's own voice level (never below -85 dBFS): a fixed floor made a
    // line 20 dB quieter lose most of its voiced frames (RAVDESS voiced frames sit at a median of -40 dBFS).
    private const float VoicedFloorDb = -85f;
    private const float VoicedBelowLevelDb = 35f;
    // The voice level follows periodic frames quickly upwards (30 ms) and falls back 1 dB per second without them.
    private const float LevelAttack = 0.3f;
    private const float LevelReleaseDbPerFrame = 0.01f;

    private static readonly float[] Hann = BuildHann(FeatureSchema.FrameLength);
    private static readonly MelFilterbank Mel = new(FeatureSchema.LogMelCount, FftSize, FeatureSchema.SampleRate, 20, 8000);
    private static readonly Dct MfccDct = new(FeatureSchema.LogMelCount, 1, FeatureSchema.MfccCount);
    private static readonly SpectrumBands Bands = new(FftSize, FeatureSchema.SampleRate);

    private readonly RealFft _fft = new(FftSize);
    private readonly PitchTracker _pitch = new(PitchRate, MinPitchHz, MaxPitchHz, NarrowLength);
    private readonly Decimator _decimator = new(PitchDecimation, DecimatorTaps, DecimatorCutoffHz, FeatureSchema.SampleRate, NarrowLength);
    private readonly float[] _narrow = new float[NarrowLength];
    private long _narrowNext;
    private readonly SampleHistory _history = new(AnalysisLength + 4096);
    private readonly float[] _windowed = new float[FeatureSchema.FrameLength];
    private readonly float[] _power = new float[FftSize / 2 + 1];
    private readonly float[] _mel = new float[FeatureSchema.LogMelCount];
    private readonly float[] _previousLogMel = new float[FeatureSchema.LogMelCount];
    private readonly float[] _mfccHistory = new float[DeltaFrames * FeatureSchema.MfccCount];
    private readonly float[] _frame = new float[FeatureSchema.FrameFeatureCount];
    private bool _previousVoiced;
    private float _previousPeriod, _previousDb;
    private float _voiceLevelDb = VoicedFloorDb;
    private readonly SpectrumWarp? _warp;

    public FrameFeatureExtractor() => Reset();

    /// <summary>
    /// An extractor that hears the voice with its formants moved by <paramref name="formantWarp"/> (vocal tract length
    /// perturbation, for training only): the power spectrum's frequency axis is scaled by the factor below 4.8 kHz
    /// (times the factor when it is below 1) and mapped linearly above it so that 8 kHz stays 8 kHz, before every spectral
    /// feature is taken; pitch, loudness and zero crossings are the signal's own. 1 is the plain extractor.
    /// </summary>
    public FrameFeatureExtractor(double formantWarp) : this()
    {
        if (!(formantWarp >= 0.5 && formantWarp <= 2))
            throw new ArgumentOutOfRangeException(nameof(formantWarp), formantWarp, "a formant warp factor is between 0.5 and 2");
        if (formantWarp != 1) _warp = new SpectrumWarp(formantWarp, FftSize / 2 + 1, FeatureSchema.SampleRate / 2.0);
    }

    /// <summary>Hears the voice with its formants warped (a training extractor): never pooled.</summary>
    internal bool HearsWarp => _warp is not null;

    /// <summary>Frames emitted since construction or <see cref="Reset"/>.</summary>
    public long FramesEmitted { get; private set; }

    /// <summary>Samples pushed since construction or <see cref="Reset"/>.</summary>
    public long SamplesPushed { get; private set; }

    /// <summary>Adds 16 kHz samples and emits every frame they complete, in order.</summary>
    public void Push(ReadOnlySpan<float> samples16k, IFrameSink sink)
    {
        SamplesPushed += samples16k.Length;
        while (true)
        {
            long end = _history.End;
            long frameEnd = FramesEmitted * FeatureSchema.HopLength + FeatureSchema.FrameLength;
            while (frameEnd <= end)
            {
                ComputeFrame(_history.Slice(frameEnd - AnalysisLength, AnalysisLength));
                FramesEmitted++;
                sink.OnFrame(_frame);
                frameEnd += FeatureSchema.HopLength;
            }
            if (samples16k.IsEmpty) return;
            samples16k = _history.Append(samples16k, keepFrom: frameEnd - AnalysisLength);
        }
    }

    /// <summary>Back to the state before the first sample (silence before it).</summary>
    public void Reset()
    {
        _history.Reset(silence: AnalysisLength - FeatureSchema.FrameLength);
        FramesEmitted = 0;
        SamplesPushed = 0;
        _previousVoiced = false;
        _previousPeriod = _previousDb = 0;
        _voiceLevelDb = VoicedFloorDb;
        Array.Clear(_narrow);
        _narrowNext = 0;
    }

    /// <summary>All frames of a whole signal, row-major [frames × FrameFeatureCount].</summary>
    public static float[] ExtractAll(ReadOnlySpan<float> samples16k, out int frameCount) => ExtractAll(samples16k, 1, out frameCount);

    /// <summary>All frames of a whole signal heard with its formants warped (see <see cref="FrameFeatureExtractor(double)"/>).</summary>
    public static float[] ExtractAll(ReadOnlySpan<float> samples16k, double formantWarp, out int frameCount)
    {
        frameCount = samples16k.Length < FeatureSchema.FrameLength
            ? 0
            : (samples16k.Length - FeatureSchema.FrameLength) / FeatureSchema.HopLength + 1;
        var collector = new Collector(new float[frameCount * FeatureSchema.FrameFeatureCount]);
        new FrameFeatureExtractor(formantWarp).Push(samples16k, collector);
        return collector.Frames;
    }

    private void ComputeFrame(ReadOnlySpan<float> analysis)
    {
        var frame = analysis[^FeatureSchema.FrameLength..];
        var f = _frame.AsSpan();
        int n = FeatureSchema.FrameLength;

        float energy = TensorPrimitives.SumOfSquares(frame) / n;
        float db = Math.Max(DbFloor, 10f * MathF.Log10(energy + LogFloor));
        int crossings = CountSignChanges(frame);

        TensorPrimitives.Multiply(frame, Hann, _windowed);
        _fft.PowerSpectrum(_windowed, _power);
        _warp?.Apply(_power);

        Mel.Apply(_power, _mel);
        var logMel = f.Slice(FeatureSchema.LogMelStart, FeatureSchema.LogMelCount);
        VectorLog.LogOfAtLeast(_mel, LogFloor, logMel);

        var mfcc = f.Slice(FeatureSchema.MfccStart, FeatureSchema.MfccCount);
        MfccDct.Apply(logMel, mfcc);
        UpdateDeltas(mfcc, f.Slice(FeatureSchema.MfccDeltaStart, FeatureSchema.MfccCount));

        float flux = FramesEmitted > 0 ? TensorPrimitives.Distance(logMel, _previousLogMel) / MathF.Sqrt(logMel.Length) : 0;
        logMel.CopyTo(_previousLogMel);

        Bands.Describe(_power, out float centroid, out float rolloff, out float flatness, out float slope, out float alpha);

        UpdateNarrow(analysis);
        // Below the voicing energy floor a frame is unvoiced whatever its periodicity: skip the pitch search there
        // (pauses are a large share of real calls, and pitch is the costliest feature).
        float gate = Math.Max(VoicedFloorDb, _voiceLevelDb - VoicedBelowLevelDb);
        var (f0, aperiodicity, correlation) = db > gate ? _pitch.Estimate(_narrow) : (0f, 1f, 0f);
        bool voiced = aperiodicity < VoicedAperiodicity && db > gate;
        if (voiced && db > _voiceLevelDb) _voiceLevelDb += LevelAttack * (db - _voiceLevelDb);
        else _voiceLevelDb = Math.Max(VoicedFloorDb, _voiceLevelDb - LevelReleaseDbPerFrame);
        float rho = Math.Clamp(correlation, 1e-3f, 0.999f);
        float hnr = 10f * MathF.Log10(rho / (1 - rho));
        float period = voiced ? 1f / f0 : 0;
        float jitter = voiced && _previousVoiced ? MathF.Abs(period - _previousPeriod) / period : 0;
        float shimmer = voiced && _previousVoiced ? MathF.Abs(db - _previousDb) : 0;

        f[FeatureSchema.F0Hz] = voiced ? f0 : 0;
        f[FeatureSchema.VoicingProbability] = 1 - aperiodicity;
        f[FeatureSchema.F0Semitone] = voiced ? 12f * MathF.Log2(f0 / 27.5f) : 0;
        f[FeatureSchema.LoudnessDb] = db;
        f[FeatureSchema.ZeroCrossingRate] = crossings / (float)(n - 1);
        f[FeatureSchema.SpectralCentroidHz] = centroid;
        f[FeatureSchema.SpectralRolloffHz] = rolloff;
        f[FeatureSchema.SpectralFlux] = flux;
        f[FeatureSchema.SpectralFlatness] = flatness;
        f[FeatureSchema.SpectralSlope] = slope;
        f[FeatureSchema.AlphaRatioDb] = alpha;
        f[FeatureSchema.HnrDb] = hnr;
        f[FeatureSchema.JitterLocal] = Math.Min(jitter, 1f);
        f[FeatureSchema.ShimmerLocalDb] = Math.Min(shimmer, 40f);
        f[FeatureSchema.Voiced] = voiced ? 1 : 0;

        _previousVoiced = voiced;
        _previousPeriod = period;
        _previousDb = db;
    }

    // Pairs (x[i−1], x[i]) whose signs (x < 0) differ, 16 (or 8) pairs a step: the sign bits of x[i−1..] XOR x[i..].
    private static int CountSignChanges(ReadOnlySpan<float> x)
    {
        int count = 0, i = 1;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float r = ref MemoryMarshal.GetReference(x);
            for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
            {
                var previous = Vector512.LessThan(Vector512.LoadUnsafe(ref r, (nuint)(i - 1)), Vector512<float>.Zero);
                var current = Vector512.LessThan(Vector512.LoadUnsafe(ref r, (nuint)i), Vector512<float>.Zero);
                count += BitOperations.PopCount((previous ^ current).ExtractMostSignificantBits());
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            ref float r = ref MemoryMarshal.GetReference(x);
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                var previous = Vector256.LessThan(Vector256.LoadUnsafe(ref r, (nuint)(i - 1)), Vector256<float>.Zero);
                var current = Vector256.LessThan(Vector256.LoadUnsafe(ref r, (nuint)i), Vector256<float>.Zero);
                count += BitOperations.PopCount((previous ^ current).ExtractMostSignificantBits());
            }
        }
        for (; i < x.Length; i++) if ((x[i - 1] < 0) != (x[i] < 0)) count++;
        return count;
    }

    // Causal delta: least-squares slope over the last five frames (the first frame is repeated until five exist).
    private void UpdateDeltas(ReadOnlySpan<float> mfcc, Span<float> delta)
    {
        int m = FeatureSchema.MfccCount;
        if (FramesEmitted == 0)
            for (int k = 0; k < DeltaFrames; k++) mfcc.CopyTo(_mfccHistory.AsSpan(k * m, m));
        else
        {
            Array.Copy(_mfccHistory, m, _mfccHistory, 0, (DeltaFrames - 1) * m);
            mfcc.CopyTo(_mfccHistory.AsSpan((DeltaFrames - 1) * m, m));
        }
        for (int c = 0; c < m; c++)
        {
            float sum = 0;
            for (int k = 0; k < DeltaFrames; k++) sum += (k - 2) * _mfccHistory[k * m + c];
            delta[c] = sum / 10f;
        }
    }

    // Narrow sample m is the low-passed 16 kHz signal at index 4m + 3; each frame adds the (normally 40) samples up to
    // its end, computed from the analysis buffer, which always holds the history the filter needs.
    private void UpdateNarrow(ReadOnlySpan<float> analysis)
    {
        long frameEnd = FramesEmitted * FeatureSchema.HopLength + FeatureSchema.FrameLength;
        long end = frameEnd / PitchDecimation;
        long first = Math.Max(_narrowNext, end - NarrowLength);
        int added = (int)(end - first);
        Array.Copy(_narrow, added, _narrow, 0, NarrowLength - added);
        long analysisStart = frameEnd - AnalysisLength;
        int from = (int)(PitchDecimation * first + PitchDecimation - 1 - (DecimatorTaps - 1) - analysisStart);
        _decimator.Process(analysis.Slice(from, _decimator.InputLength(added)), _narrow.AsSpan(NarrowLength - added, added));
        _narrowNext = end;
    }

    private static float[] BuildHann(int length)
    {
        var w = new float[length];
        for (int i = 0; i < length; i++) w[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / length));
        return w;
    }

    /// <summary>Resamples a power spectrum along a piecewise-linear frequency warp (linear interpolation between bins).</summary>
    private sealed class SpectrumWarp
    {
        private const double BoundaryHz = 4800;
        private readonly int[] _below;
        private readonly float[] _fraction;
        private readonly float[] _source;

        public SpectrumWarp(double factor, int bins, double nyquistHz)
        {
            _below = new int[bins];
            _fraction = new float[bins];
            _source = new float[bins];
            double hzPerBin = nyquistHz / (bins - 1);
            double warpedBoundary = BoundaryHz * Math.Min(factor, 1), sourceBoundary = warpedBoundary / factor;
            for (int k = 0; k < bins; k++)
            {
                // The warp maps a source frequency f to f·factor up to the boundary and linearly to the Nyquist above
                // it; output bin k takes the power at the source frequency the warp maps onto it.
                double warped = k * hzPerBin;
                double source = warped <= warpedBoundary
                    ? warped / factor
                    : nyquistHz - (nyquistHz - warped) * (nyquistHz - sourceBoundary) / (nyquistHz - warpedBoundary);
                double position = Math.Clamp(source / hzPerBin, 0, bins - 1);
                _below[k] = Math.Min((int)position, bins - 2);
                _fraction[k] = (float)(position - _below[k]);
            }
        }

        public void Apply(Span<float> power)
        {
            power.CopyTo(_source);
            for (int k = 0; k < power.Length; k++)
            {
                int b = _below[k];
                power[k] = _source[b] + _fraction[k] * (_source[b + 1] - _source[b]);
            }
        }
    }

    private sealed class Collector(float[] frames) : IFrameSink
    {
        private int _next;

        public float[] Frames { get; } = frames;

        public void OnFrame(ReadOnlySpan<float> frame)
        {
            frame.CopyTo(Frames.AsSpan(_next));
            _next += frame.Length;
        }
    }
}

using System.Collections.Concurrent;
using System.Numerics.Tensors;
using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>
/// Band-limited rational resampler (Kaiser-windowed sinc, polyphase). Streaming state is kept across calls, so any
/// chunking of the input gives exactly the output of one call over all of it. The filter is causal: the output lags
/// the input by half the filter length (a few milliseconds). Allocation-free per call.
/// <para>
/// A rate pair whose reduced ratio needs at most <see cref="MaxExactPhases"/> filter phases (every common rate:
/// 8, 11.025, 12, 16, 22.05, 24, 32, 44.1, 48, 88.2, 96 kHz) gets an exact bank of its own. Any other pair (15,873 Hz
/// from a speed perturbation, 47,999 Hz from a client) would need up to 16,000 phases — millions of taps, megabytes
/// and most of a second to design — so it is served by a bank of <see cref="InterpolatedPhases"/> phases between
/// which each output sample's coefficients are interpolated linearly. Time stays exact in both (each output sample's
/// input position is tracked as an exact fraction); only the interpolated filter is approximate. Banks are shared
/// between resamplers in a cache that holds at most <see cref="CacheBudgetCoefficients"/> coefficients; past that a
/// new bank belongs to its resampler alone, so no sequence of declared rates can grow the process without bound.
/// </para>
/// </summary>
public sealed class Resampler
{
    /// <summary>The Pipeline's internal sample rate.</summary>
    public const int TargetRate = 16000;

    /// <summary>Stop-band attenuation the filters are designed for, in dB.</summary>
    public const double StopbandAttenuationDb = 80;

    /// <summary>The most phases an exact bank may have (11,025 → 16,000 Hz needs 640).</summary>
    internal const int MaxExactPhases = 640;

    /// <summary>Phases of the bank that serves every other rate pair, coefficients interpolated between them.</summary>
    internal const int InterpolatedPhases = 256;

    /// <summary>Interpolated banks are designed for the ratio min(1, output/input) rounded down to this grid, so
    /// nearby rates share one (the cut-off moves at most 0.2 % down).</summary>
    private const int CutoffGrid = 512;

    /// <summary>Coefficients the shared cache may hold (64 MB of floats).</summary>
    internal const long CacheBudgetCoefficients = 16L << 20;

    private const int BlockSamples = 4096;

    private static readonly ConcurrentDictionary<FilterKey, PolyphaseFilter> Filters = new();
    private static long _cachedCoefficients;

    private readonly PolyphaseFilter? _filter;
    private readonly long _up, _down; // output sample n sits at input position n * _down / _up, exactly
    private readonly bool _interpolated;
    private readonly SampleHistory? _history;
    private long _outputIndex;

    public Resampler(int inputRate, int outputRate = TargetRate)
    {
        if (inputRate <= 0) throw new ArgumentOutOfRangeException(nameof(inputRate), "sample rate must be positive");
        if (outputRate <= 0) throw new ArgumentOutOfRangeException(nameof(outputRate), "sample rate must be positive");
        InputRate = inputRate;
        OutputRate = outputRate;
        if (inputRate == outputRate) return;
        int g = Gcd(inputRate, outputRate);
        _up = outputRate / g;
        _down = inputRate / g;
        _interpolated = _up > MaxExactPhases;
        _filter = _interpolated
            ? Shared(new FilterKey(CutoffGrid, (int)Math.Clamp((long)CutoffGrid * outputRate / inputRate, 1, CutoffGrid), InterpolatedPhases, true))
            : Shared(new FilterKey(inputRate, outputRate, (int)_up, false));
        _history = new SampleHistory(_filter.TapsPerPhase - 1 + BlockSamples);
        Reset();
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    /// <summary>Filter taps applied per output sample (0 for pass-through).</summary>
    public int TapsPerPhase => _filter?.TapsPerPhase ?? 0;

    /// <summary>Whether this rate pair is served by the interpolated bank (false: an exact one, or pass-through).</summary>
    public bool IsInterpolated => _interpolated;

    /// <summary>Input and output rates are equal: <see cref="Process"/> only copies.</summary>
    public bool IsIdentity => _filter is null;

    /// <summary>Coefficients now held by the shared cache (for tests and diagnostics).</summary>
    internal static long CachedCoefficients => Interlocked.Read(ref _cachedCoefficients);

    /// <summary>Upper bound of samples <see cref="Process"/> writes for this many input samples.</summary>
    public int MaxOutputSamples(int inputCount) =>
        _filter is null ? inputCount : (int)(inputCount * _up / _down) + 2;

    /// <summary>Resamples a chunk; returns the number of output samples written.</summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_filter is null || _history is null)
        {
            input.CopyTo(output);
            return input.Length;
        }
        long up = _up, down = _down;
        int taps = _filter.TapsPerPhase;
        int written = 0;
        while (true)
        {
            long end = _history.End;
            while (true)
            {
                long position = _outputIndex * down;
                long i = position / up;
                if (i >= end) break;
                if (written == output.Length)
                    throw new ArgumentException("output span is smaller than MaxOutputSamples(input.Length)", nameof(output));
                long offset = position - i * up;
                var x = _history.Slice(i - (taps - 1), taps);
                if (!_interpolated)
                    output[written++] = TensorPrimitives.Dot(_filter.Phase((int)offset), x);
                else
                {
                    // The offset in bank phases: phase j and j + 1 (the bank has one more, phase 0 a sample later).
                    long scaled = offset * InterpolatedPhases;
                    int j = (int)(scaled / up);
                    float frac = (float)((double)(scaled - j * up) / up);
                    float a = TensorPrimitives.Dot(_filter.Phase(j), x);
                    float b = TensorPrimitives.Dot(_filter.Phase(j + 1), x);
                    output[written++] = a + frac * (b - a);
                }
                _outputIndex++;
            }
            if (input.IsEmpty) return written;

            input = _history.Append(input, keepFrom: _outputIndex * down / up - (taps - 1));
        }
    }

    /// <summary>Returns to the initial state (silence before the first sample).</summary>
    public void Reset()
    {
        if (_filter is null) return;
        _history!.Reset(silence: _filter.TapsPerPhase - 1);
        _outputIndex = 0;
    }

    /// <summary>One-shot resampling; equals streaming the same input in any chunking.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int inputRate, int outputRate)
    {
        if (inputRate == outputRate) return input.ToArray();
        var resampler = new Resampler(inputRate, outputRate);
        var output = new float[resampler.MaxOutputSamples(input.Length)];
        int n = resampler.Process(input, output);
        return n == output.Length ? output : output.AsSpan(0, n).ToArray();
    }

    /// <summary>The cached bank for <paramref name="key"/>, or a new one (cached while the budget allows).</summary>
    private static PolyphaseFilter Shared(FilterKey key)
    {
        if (Filters.TryGetValue(key, out var cached)) return cached;
        var filter = new PolyphaseFilter(key);
        if (Interlocked.Add(ref _cachedCoefficients, filter.Size) <= CacheBudgetCoefficients)
        {
            var kept = Filters.GetOrAdd(key, filter);
            if (!ReferenceEquals(kept, filter)) Interlocked.Add(ref _cachedCoefficients, -filter.Size);
            return kept;
        }
        Interlocked.Add(ref _cachedCoefficients, -filter.Size);
        return filter;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary>A bank's design: the rates its cut-off is relative to and its number of phases.</summary>
    private readonly record struct FilterKey(int InputRate, int OutputRate, int Phases, bool Interpolated);

    /// <summary>Immutable filter bank, shared by every resampler with the same design. An exact bank has one phase per
    /// output offset of its rate pair; an interpolated one <see cref="InterpolatedPhases"/> plus phase 0 one input
    /// sample later, to interpolate towards from the last phase.</summary>
    private sealed class PolyphaseFilter
    {
        private readonly float[] _coefficients;

        public PolyphaseFilter(FilterKey key)
        {
            int up = key.Phases;
            bool interpolated = key.Interpolated;
            double nyquistLow = Math.Min(key.InputRate, key.OutputRate) / 2.0;
            double upRate = (double)key.InputRate * up;
            double cutoff = 0.95 * nyquistLow / upRate;        // cycles per upsampled sample
            double transition = 0.10 * nyquistLow / upRate;    // passband edge 0.90, stop-band edge 1.00 of the lower Nyquist
            double a = StopbandAttenuationDb;
            double beta = 0.1102 * (a - 8.7);
            int length = (int)Math.Ceiling((a - 7.95) / (2.285 * 2 * Math.PI * transition));
            TapsPerPhase = Math.Max(8, (length + up - 1) / up);
            int phases = interpolated ? up + 1 : up;
            int total = TapsPerPhase * up + (interpolated ? 1 : 0);
            double center = (total - 1) / 2.0;
            double i0Beta = BesselI0(beta);
            var h = new double[total];
            for (int j = 0; j < total; j++)
            {
                double x = j - center;
                double sinc = x == 0 ? 1 : Math.Sin(2 * Math.PI * cutoff * x) / (2 * Math.PI * cutoff * x);
                double r = 2 * x / (total - 1);
                double window = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0Beta;
                h[j] = 2 * cutoff * sinc * window;
            }
            // Phase p applies h[p + k*up] to x[i - k]; store it reversed so it is one contiguous dot product
            // with x[i - K + 1 .. i], and normalise each phase to unit DC gain.
            _coefficients = new float[phases * TapsPerPhase];
            for (int p = 0; p < phases; p++)
            {
                double sum = 0;
                for (int k = 0; k < TapsPerPhase; k++) sum += h[p + k * up];
                for (int k = 0; k < TapsPerPhase; k++)
                    _coefficients[p * TapsPerPhase + (TapsPerPhase - 1 - k)] = (float)(h[p + k * up] / sum);
            }
        }

        /// <summary>Coefficients held.</summary>
        public long Size => _coefficients.Length;

        public int TapsPerPhase { get; }

        public ReadOnlySpan<float> Phase(int phase) => new(_coefficients, phase * TapsPerPhase, TapsPerPhase);

        private static double BesselI0(double x)
        {
            double sum = 1, term = 1, half = x / 2;
            for (int k = 1; k < 200; k++)
            {
                term *= half / k * (half / k);
                sum += term;
                if (term < sum * 1e-17) break;
            }
            return sum;
        }
    }
}

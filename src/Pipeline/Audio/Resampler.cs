using System.Collections.Concurrent;
using System.Numerics.Tensors;
using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>
/// Band-limited rational resampler (Kaiser-windowed sinc, polyphase). Streaming state is kept across calls, so any
/// chunking of the input gives exactly the output of one call over all of it. The filter is causal: the output lags
/// the input by half the filter length (a few milliseconds). Allocation-free per call.
/// </summary>
public sealed class Resampler
{
    /// <summary>The Pipeline's internal sample rate.</summary>
    public const int TargetRate = 16000;

    /// <summary>Stop-band attenuation the filters are designed for, in dB.</summary>
    public const double StopbandAttenuationDb = 80;

    private const int BlockSamples = 4096;

    private static readonly ConcurrentDictionary<(int, int), PolyphaseFilter> Filters = new();

    private readonly PolyphaseFilter? _filter;
    private readonly SampleHistory? _history;
    private long _outputIndex;

    public Resampler(int inputRate, int outputRate = TargetRate)
    {
        if (inputRate <= 0) throw new ArgumentOutOfRangeException(nameof(inputRate), "sample rate must be positive");
        if (outputRate <= 0) throw new ArgumentOutOfRangeException(nameof(outputRate), "sample rate must be positive");
        InputRate = inputRate;
        OutputRate = outputRate;
        if (inputRate == outputRate) return;
        _filter = Filters.GetOrAdd((inputRate, outputRate), static key => new PolyphaseFilter(key.Item1, key.Item2));
        _history = new SampleHistory(_filter.TapsPerPhase - 1 + BlockSamples);
        Reset();
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    /// <summary>Filter taps applied per output sample (0 for pass-through).</summary>
    public int TapsPerPhase => _filter?.TapsPerPhase ?? 0;

    /// <summary>Upper bound of samples <see cref="Process"/> writes for this many input samples.</summary>
    public int MaxOutputSamples(int inputCount) =>
        _filter is null ? inputCount : (int)((long)inputCount * _filter.Up / _filter.Down) + 2;

    /// <summary>Resamples a chunk; returns the number of output samples written.</summary>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_filter is null || _history is null)
        {
            input.CopyTo(output);
            return input.Length;
        }
        int up = _filter.Up, down = _filter.Down, taps = _filter.TapsPerPhase;
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
                int phase = (int)(position - i * up);
                output[written++] = TensorPrimitives.Dot(_filter.Phase(phase), _history.Slice(i - (taps - 1), taps));
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

    /// <summary>Immutable filter bank for one rate pair, shared by every resampler of that pair.</summary>
    private sealed class PolyphaseFilter
    {
        private readonly float[] _coefficients;

        public PolyphaseFilter(int inputRate, int outputRate)
        {
            int g = Gcd(inputRate, outputRate);
            Up = outputRate / g;
            Down = inputRate / g;
            double nyquistLow = Math.Min(inputRate, outputRate) / 2.0;
            double upRate = (double)inputRate * Up;
            double cutoff = 0.95 * nyquistLow / upRate;        // cycles per upsampled sample
            double transition = 0.10 * nyquistLow / upRate;    // passband edge 0.90, stop-band edge 1.00 of the lower Nyquist
            double a = StopbandAttenuationDb;
            double beta = 0.1102 * (a - 8.7);
            int length = (int)Math.Ceiling((a - 7.95) / (2.285 * 2 * Math.PI * transition));
            TapsPerPhase = Math.Max(8, (length + Up - 1) / Up);
            int total = TapsPerPhase * Up;
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
            // Phase p applies h[p + k*Up] to x[i - k]; store it reversed so it is one contiguous dot product
            // with x[i - K + 1 .. i], and normalise each phase to unit DC gain.
            _coefficients = new float[Up * TapsPerPhase];
            for (int p = 0; p < Up; p++)
            {
                double sum = 0;
                for (int k = 0; k < TapsPerPhase; k++) sum += h[p + k * Up];
                for (int k = 0; k < TapsPerPhase; k++)
                    _coefficients[p * TapsPerPhase + (TapsPerPhase - 1 - k)] = (float)(h[p + k * Up] / sum);
            }
        }

        public int Up { get; }

        public int Down { get; }

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

        private static int Gcd(int a, int b)
        {
            while (b != 0) (a, b) = (b, a % b);
            return a;
        }
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// Low-pass FIR (Hamming-windowed sinc, unit DC gain) followed by keeping every <see cref="Factor"/>-th sample.
/// <see cref="Process"/> computes the filter at full rate over a contiguous stretch with SIMD lanes along time (one
/// broadcast tap times a run of consecutive inputs per instruction), then keeps every Factor-th output: a few hundred
/// vector multiply-adds for a frame's 40 outputs, instead of one short horizontal dot product per output.
/// </summary>
public sealed class Decimator
{
    private readonly float[] _taps; // h[k] applied to input[i + k]: the impulse response reversed (symmetric anyway)
    private readonly float[] _full;

    public Decimator(int factor, int taps, double cutoffHz, int sampleRate, int maxOutputs)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor));
        if (taps < 1 || taps % 2 == 0) throw new ArgumentOutOfRangeException(nameof(taps), "an odd number of taps (linear phase, integer delay)");
        Factor = factor;
        Taps = taps;
        var h = new double[taps];
        double cutoff = cutoffHz / sampleRate, centre = (taps - 1) / 2.0, sum = 0;
        for (int j = 0; j < taps; j++)
        {
            double x = j - centre;
            double sinc = x == 0 ? 2 * cutoff : Math.Sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
            h[j] = sinc * (taps == 1 ? 1 : 0.54 - 0.46 * Math.Cos(2 * Math.PI * j / (taps - 1)));
            sum += h[j];
        }
        _taps = new float[taps];
        for (int j = 0; j < taps; j++) _taps[taps - 1 - j] = (float)(h[j] / sum);
        _full = new float[maxOutputs * factor + Vector512<float>.Count];
    }

    public int Factor { get; }

    public int Taps { get; }

    /// <summary>The filter taps (unit sum), in the order they multiply input[i], input[i + 1], ….</summary>
    public ReadOnlySpan<float> Coefficients => _taps;

    /// <summary>Inputs needed for <paramref name="outputs"/> outputs: (outputs − 1)·Factor + Taps.</summary>
    public int InputLength(int outputs) => (outputs - 1) * Factor + Taps;

    /// <summary>output[m] = Σ_k h[k]·input[Factor·m + k], m = 0..output.Length − 1 (input holds InputLength(output.Length)).</summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        int outputs = output.Length;
        if (outputs == 0) return;
        if (input.Length < InputLength(outputs)) throw new ArgumentException("input too short for the outputs asked", nameof(input));
        int full = (outputs - 1) * Factor + 1; // full-rate outputs spanning the kept ones
        if (full > _full.Length) throw new ArgumentException("more outputs than the decimator was built for", nameof(output));
        int taps = Taps;
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float h = ref MemoryMarshal.GetArrayDataReference(_taps);
        ref float z = ref MemoryMarshal.GetArrayDataReference(_full);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= full; i += Vector512<float>.Count)
            {
                var acc = Vector512<float>.Zero;
                for (int k = 0; k < taps; k++)
                    acc = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref h, k)), Vector512.LoadUnsafe(ref x, (nuint)(i + k)), acc);
                acc.StoreUnsafe(ref z, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= full; i += Vector256<float>.Count)
            {
                var acc = Vector256<float>.Zero;
                for (int k = 0; k < taps; k++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref h, k)), Vector256.LoadUnsafe(ref x, (nuint)(i + k)), acc);
                acc.StoreUnsafe(ref z, (nuint)i);
            }
        }
        for (; i < full; i++)
        {
            float acc = 0;
            for (int k = 0; k < taps; k++) acc += Unsafe.Add(ref h, k) * Unsafe.Add(ref x, i + k);
            Unsafe.Add(ref z, i) = acc;
        }
        for (int m = 0; m < outputs; m++) output[m] = Unsafe.Add(ref z, m * Factor);
    }
}

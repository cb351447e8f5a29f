namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// Linear convolution through one <see cref="RealFft"/> of the next power of two that holds the whole result (so the
/// circular product does not wrap). For the long kernels of training's room responses (up to 1 s): at 131,072 points
/// a convolution this way is 7–8× NWaves' Operation.Convolve, which did this before (docs/PERFORMANCE.md, model section).
/// </summary>
public static class FftConvolution
{
    /// <summary>The first <paramref name="outputLength"/> samples of <paramref name="signal"/> ∗ <paramref name="kernel"/>.</summary>
    public static float[] Convolve(ReadOnlySpan<float> signal, ReadOnlySpan<float> kernel, int outputLength)
    {
        if (outputLength < 0) throw new ArgumentOutOfRangeException(nameof(outputLength), "the output length cannot be negative");
        var output = new float[outputLength];
        if (signal.IsEmpty || kernel.IsEmpty || outputLength == 0) return output;
        long full = (long)signal.Length + kernel.Length - 1;
        if (full > 1 << 30) throw new ArgumentException("signal and kernel together are too long for one transform");
        int size = (int)Math.Max(8, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)full)); // the radix-2 path starts at 8
        var fft = new RealFft(size);
        int bins = fft.Bins;
        var xr = new float[bins]; var xi = new float[bins];
        var hr = new float[bins]; var hi = new float[bins];
        fft.Forward(signal, xr, xi);
        fft.Forward(kernel, hr, hi);
        for (int k = 0; k < bins; k++)
        {
            float re = xr[k] * hr[k] - xi[k] * hi[k];
            xi[k] = xr[k] * hi[k] + xi[k] * hr[k];
            xr[k] = re;
        }
        int valid = (int)Math.Min(outputLength, full);
        fft.Inverse(xr, xi, output.AsSpan(0, valid));
        return output;
    }
}

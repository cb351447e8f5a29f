using System.Numerics;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// Real-input FFT of a power-of-two size: one complex FFT of half the size plus a split step.
/// Twiddles and bit-reversal are precomputed; transforms allocate nothing.
/// </summary>
public sealed class RealFft
{
    private readonly int _half;
    private readonly int[] _bitReverse;
    private readonly float[][] _stageCos, _stageSin; // per-stage twiddles of the size-N/2 complex FFT, contiguous
    private readonly float[] _splitCos, _splitSin; // e^{-2πik/N}, k = 0..N/2
    private readonly float[] _re, _im;

    public RealFft(int size)
    {
        if (size < 4 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), "size must be a power of two ≥ 4");
        Size = size;
        _half = size / 2;
        int bits = System.Numerics.BitOperations.Log2((uint)_half);
        _bitReverse = new int[_half];
        for (int i = 0; i < _half; i++)
        {
            int r = 0;
            for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
            _bitReverse[i] = r;
        }
        _stageCos = new float[bits + 1][];
        _stageSin = new float[bits + 1][];
        for (int stage = 1, span = 4; span <= _half; stage++, span <<= 1)
        {
            int halfSize = span / 2;
            _stageCos[stage] = new float[halfSize];
            _stageSin[stage] = new float[halfSize];
            for (int j = 0; j < halfSize; j++)
            {
                _stageCos[stage][j] = (float)Math.Cos(2 * Math.PI * j / span);
                _stageSin[stage][j] = (float)-Math.Sin(2 * Math.PI * j / span);
            }
        }
        _splitCos = new float[_half + 1];
        _splitSin = new float[_half + 1];
        for (int k = 0; k <= _half; k++)
        {
            _splitCos[k] = (float)Math.Cos(2 * Math.PI * k / size);
            _splitSin[k] = (float)-Math.Sin(2 * Math.PI * k / size);
        }
        _re = new float[_half + 1];
        _im = new float[_half + 1];
    }

    public int Size { get; }

    /// <summary>Number of spectrum bins: Size / 2 + 1.</summary>
    public int Bins => _half + 1;

    /// <summary>Forward transform of <paramref name="input"/> (length ≤ Size, zero-padded) into bins 0..Size/2.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> real, Span<float> imaginary)
    {
        LoadPacked(input);
        Transform();
        Split(real, imaginary);
    }

    /// <summary>Power spectrum |X[k]|², k = 0..Size/2, of <paramref name="input"/> (zero-padded to Size).</summary>
    public void PowerSpectrum(ReadOnlySpan<float> input, Span<float> power)
    {
        LoadPacked(input);
        Transform();
        int h = _half;
        float z0r = _re[0], z0i = _im[0];
        power[0] = (z0r + z0i) * (z0r + z0i);
        power[h] = (z0r - z0i) * (z0r - z0i);
        for (int k = 1; k < h; k++)
        {
            SplitBin(k, out float xr, out float xi);
            power[k] = xr * xr + xi * xi;
        }
    }

    private void LoadPacked(ReadOnlySpan<float> input)
    {
        if (input.Length > Size) throw new ArgumentException("input is longer than the FFT size", nameof(input));
        for (int n = 0; n < _half; n++)
        {
            int i = 2 * n;
            int r = _bitReverse[n];
            _re[r] = i < input.Length ? input[i] : 0f;
            _im[r] = i + 1 < input.Length ? input[i + 1] : 0f;
        }
    }

    private void Transform()
    {
        int n = _half;
        var re = _re.AsSpan(0, n);
        var im = _im.AsSpan(0, n);
        // First stage (w = 1) needs no multiplications.
        for (int a = 0; a < n; a += 2)
        {
            float br = re[a + 1], bi = im[a + 1];
            re[a + 1] = re[a] - br; im[a + 1] = im[a] - bi;
            re[a] += br; im[a] += bi;
        }
        // Second stage: twiddles 1 and -i, again without multiplications.
        for (int a = 0; a < n; a += 4)
        {
            float br = re[a + 2], bi = im[a + 2];
            re[a + 2] = re[a] - br; im[a + 2] = im[a] - bi;
            re[a] += br; im[a] += bi;
            float cr = im[a + 3], ci = -re[a + 3];
            re[a + 3] = re[a + 1] - cr; im[a + 3] = im[a + 1] - ci;
            re[a + 1] += cr; im[a + 1] += ci;
        }
        int width = Vector<float>.Count;
        for (int size = 8, stage = 2; size <= n; size <<= 1, stage++)
        {
            int halfSize = size >> 1;
            var wr = _stageCos[stage].AsSpan();
            var wi = _stageSin[stage].AsSpan();
            for (int start = 0; start < n; start += size)
            {
                var ar = re.Slice(start, halfSize);
                var ai = im.Slice(start, halfSize);
                var brs = re.Slice(start + halfSize, halfSize);
                var bis = im.Slice(start + halfSize, halfSize);
                int j = 0;
                if (halfSize >= width)
                {
                    for (; j <= halfSize - width; j += width)
                    {
                        var vwr = new Vector<float>(wr[j..]);
                        var vwi = new Vector<float>(wi[j..]);
                        var vbr = new Vector<float>(brs[j..]);
                        var vbi = new Vector<float>(bis[j..]);
                        var var_ = new Vector<float>(ar[j..]);
                        var vai = new Vector<float>(ai[j..]);
                        var tr = vbr * vwr - vbi * vwi;
                        var ti = vbr * vwi + vbi * vwr;
                        (var_ - tr).CopyTo(brs[j..]);
                        (vai - ti).CopyTo(bis[j..]);
                        (var_ + tr).CopyTo(ar[j..]);
                        (vai + ti).CopyTo(ai[j..]);
                    }
                }
                for (; j < halfSize; j++)
                {
                    float tr = brs[j] * wr[j] - bis[j] * wi[j];
                    float ti = brs[j] * wi[j] + bis[j] * wr[j];
                    brs[j] = ar[j] - tr; bis[j] = ai[j] - ti;
                    ar[j] += tr; ai[j] += ti;
                }
            }
        }
    }

    private void Split(Span<float> real, Span<float> imaginary)
    {
        int h = _half;
        float z0r = _re[0], z0i = _im[0];
        real[0] = z0r + z0i; imaginary[0] = 0;
        real[h] = z0r - z0i; imaginary[h] = 0;
        for (int k = 1; k < h; k++)
        {
            SplitBin(k, out real[k], out imaginary[k]);
        }
    }

    // X[k] = (Z[k] + conj Z[h-k]) / 2 + W^k (Z[k] - conj Z[h-k]) / (2i), W = e^{-2πi/N}
    private void SplitBin(int k, out float xr, out float xi)
    {
        int m = _half - k;
        float ar = _re[k], ai = _im[k], br = _re[m], bi = -_im[m];
        float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
        float dr = 0.5f * (ar - br), di = 0.5f * (ai - bi);
        // (dr + i di) / i = di - i dr
        float or_ = di, oi = -dr;
        float wr = _splitCos[k], wi = _splitSin[k];
        xr = er + or_ * wr - oi * wi;
        xi = ei + or_ * wi + oi * wr;
    }
}

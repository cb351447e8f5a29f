using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// Real-input FFT of a power-of-two size: one complex FFT of half the size plus a split step.
/// Twiddles and bit-reversal are precomputed once per size and shared by every instance; transforms allocate nothing.
/// Size 512 on a CPU with AVX-512 or AVX2 takes <see cref="ComplexFft256"/> (natural order, vectorised split step);
/// every other case takes the radix-2 path below.
/// </summary>
public sealed class RealFft
{
    private static readonly ConcurrentDictionary<int, Tables> Shared = new();
    private static readonly Vector512<int> ReverseLanes = Vector512.Create(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddLanes = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    private readonly int _half;
    private readonly bool _simd256;
    private readonly int[] _bitReverse;
    private readonly float[][] _stageCos, _stageSin; // per-stage twiddles of the size-N/2 complex FFT, contiguous
    private readonly float[] _splitCos, _splitSin; // e^{-2πik/N}, k = 0..N/2
    private readonly float[] _re, _im;
    private readonly float[] _outRe, _outIm; // the SIMD path's result (Z[k], k = 0..N/2, Z[N/2] = Z[0])

    public RealFft(int size) : this(size, allowSimd: true) { }

    /// <summary><paramref name="allowSimd"/> false forces the generic path (tests compare the two).</summary>
    internal RealFft(int size, bool allowSimd)
    {
        if (size < 4 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), "size must be a power of two ≥ 4");
        Size = size;
        _half = size / 2;
        _simd256 = allowSimd && _half == ComplexFft256.Size && ComplexFft256.IsSupported;
        var tables = Shared.GetOrAdd(size, static n => new Tables(n));
        _bitReverse = tables.BitReverse;
        _stageCos = tables.StageCos;
        _stageSin = tables.StageSin;
        _splitCos = tables.SplitCos;
        _splitSin = tables.SplitSin;
        _re = new float[_half + 1];
        _im = new float[_half + 1];
        _outRe = _simd256 ? new float[_half + Vector512<float>.Count] : _re;
        _outIm = _simd256 ? new float[_half + Vector512<float>.Count] : _im;
    }

    private sealed class Tables
    {
        public readonly int[] BitReverse;
        public readonly float[][] StageCos, StageSin;
        public readonly float[] SplitCos, SplitSin;

        public Tables(int size)
        {
            int half = size / 2;
            int bits = System.Numerics.BitOperations.Log2((uint)half);
            BitReverse = new int[half];
            for (int i = 0; i < half; i++)
            {
                int r = 0;
                for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
                BitReverse[i] = r;
            }
            StageCos = new float[bits + 1][];
            StageSin = new float[bits + 1][];
            for (int stage = 1, span = 4; span <= half; stage++, span <<= 1)
            {
                int halfSize = span / 2;
                StageCos[stage] = new float[halfSize];
                StageSin[stage] = new float[halfSize];
                for (int j = 0; j < halfSize; j++)
                {
                    StageCos[stage][j] = (float)Math.Cos(2 * Math.PI * j / span);
                    StageSin[stage][j] = (float)-Math.Sin(2 * Math.PI * j / span);
                }
            }
            SplitCos = new float[half + 1];
            SplitSin = new float[half + 1];
            for (int k = 0; k <= half; k++)
            {
                SplitCos[k] = (float)Math.Cos(2 * Math.PI * k / size);
                SplitSin[k] = (float)-Math.Sin(2 * Math.PI * k / size);
            }
        }
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

    private void Transform()
    {
        if (_simd256)
        {
            ComplexFft256.Transform(_re, _im, _outRe, _outIm);
            _outRe[_half] = _outRe[0];
            _outIm[_half] = _outIm[0];
        }
        else TransformRadix2();
    }

    /// <summary>Power spectrum |X[k]|², k = 0..Size/2, of <paramref name="input"/> (zero-padded to Size).</summary>
    public void PowerSpectrum(ReadOnlySpan<float> input, Span<float> power)
    {
        LoadPacked(input);
        Transform();
        int h = _half;
        if (power.Length < h + 1) throw new ArgumentException("power needs Size / 2 + 1 values", nameof(power));
        float z0r = _outRe[0], z0i = _outIm[0];
        power[h] = (z0r - z0i) * (z0r - z0i);
        if (_simd256)
        {
            if (ComplexFft256.Is512) SplitPowerSimd(power);
            else SplitPower256(power);
            return;
        }
        power[0] = (z0r + z0i) * (z0r + z0i);
        for (int k = 1; k < h; k++)
        {
            SplitBin(k, out float xr, out float xi);
            power[k] = xr * xr + xi * xi;
        }
    }

    // SplitBin for 16 bins at once: Z[h − k] for k = k0..k0+15 is the block at h − k0 − 15 reversed (Z[h] = Z[0] is
    // stored, so k = 0 needs no special case).
    private void SplitPowerSimd(Span<float> power)
    {
        ref float zr = ref MemoryMarshal.GetArrayDataReference(_outRe);
        ref float zi = ref MemoryMarshal.GetArrayDataReference(_outIm);
        ref float cr = ref MemoryMarshal.GetArrayDataReference(_splitCos);
        ref float ci = ref MemoryMarshal.GetArrayDataReference(_splitSin);
        ref float p = ref MemoryMarshal.GetReference(power);
        var reverse = ReverseLanes;
        var half = Vector512.Create(0.5f);
        const int w = 16;
        for (int k0 = 0; k0 < _half; k0 += w)
        {
            nuint at = (nuint)k0, mirror = (nuint)(_half - k0 - (w - 1));
            var ar = Vector512.LoadUnsafe(ref zr, at);
            var ai = Vector512.LoadUnsafe(ref zi, at);
            var br = Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref zr, mirror), reverse);
            var bi = -Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref zi, mirror), reverse);
            var er = half * (ar + br); var ei = half * (ai + bi);
            var dr = half * (ar - br); var di = half * (ai - bi);
            var wr = Vector512.LoadUnsafe(ref cr, at);
            var wi = Vector512.LoadUnsafe(ref ci, at);
            // odd part (dr + i·di) / i = di − i·dr, times W^k
            var xr = er + di * wr + dr * wi;
            var xi = ei + di * wi - dr * wr;
            (xr * xr + xi * xi).StoreUnsafe(ref p, at);
        }
    }

    private static readonly Vector256<int> ReverseLanes8 = Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0);

    // SplitPowerSimd with 256-bit vectors, 8 bins a step.
    private void SplitPower256(Span<float> power)
    {
        ref float zr = ref MemoryMarshal.GetArrayDataReference(_outRe);
        ref float zi = ref MemoryMarshal.GetArrayDataReference(_outIm);
        ref float cr = ref MemoryMarshal.GetArrayDataReference(_splitCos);
        ref float ci = ref MemoryMarshal.GetArrayDataReference(_splitSin);
        ref float p = ref MemoryMarshal.GetReference(power);
        var reverse = ReverseLanes8;
        var half = Vector256.Create(0.5f);
        const int w = 8;
        for (int k0 = 0; k0 < _half; k0 += w)
        {
            nuint at = (nuint)k0, mirror = (nuint)(_half - k0 - (w - 1));
            var ar = Vector256.LoadUnsafe(ref zr, at);
            var ai = Vector256.LoadUnsafe(ref zi, at);
            var br = Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref zr, mirror), reverse);
            var bi = -Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref zi, mirror), reverse);
            var er = half * (ar + br); var ei = half * (ai + bi);
            var dr = half * (ar - br); var di = half * (ai - bi);
            var wr = Vector256.LoadUnsafe(ref cr, at);
            var wi = Vector256.LoadUnsafe(ref ci, at);
            var xr = er + di * wr + dr * wi;
            var xi = ei + di * wi - dr * wr;
            (xr * xr + xi * xi).StoreUnsafe(ref p, at);
        }
    }

    private void LoadPacked(ReadOnlySpan<float> input)
    {
        if (input.Length > Size) throw new ArgumentException("input is longer than the FFT size", nameof(input));
        if (_simd256)
        {
            // Natural order: z[n] = x[2n] + i·x[2n + 1].
            int pairs = input.Length / 2, n = 0;
            ref float x = ref MemoryMarshal.GetReference(input);
            if (ComplexFft256.Is512)
            {
                for (; n + 16 <= pairs; n += 16)
                {
                    var a = Vector512.LoadUnsafe(ref x, (nuint)(2 * n));
                    var b = Vector512.LoadUnsafe(ref x, (nuint)(2 * n + 16));
                    Avx512F.PermuteVar16x32x2(a, EvenLanes, b).StoreUnsafe(ref _re[0], (nuint)n);
                    Avx512F.PermuteVar16x32x2(a, OddLanes, b).StoreUnsafe(ref _im[0], (nuint)n);
                }
            }
            else
            {
                for (; n + 8 <= pairs; n += 8)
                {
                    // Even and odd lanes of two vectors, in 128-bit halves; the 64-bit quarters then put in order.
                    var a = Vector256.LoadUnsafe(ref x, (nuint)(2 * n));
                    var b = Vector256.LoadUnsafe(ref x, (nuint)(2 * n + 8));
                    Avx2.Permute4x64(Avx.Shuffle(a, b, 0x88).AsDouble(), 0xD8).AsSingle().StoreUnsafe(ref _re[0], (nuint)n);
                    Avx2.Permute4x64(Avx.Shuffle(a, b, 0xDD).AsDouble(), 0xD8).AsSingle().StoreUnsafe(ref _im[0], (nuint)n);
                }
            }
            for (; n < pairs; n++)
            {
                _re[n] = input[2 * n];
                _im[n] = input[2 * n + 1];
            }
            int next = pairs;
            if ((input.Length & 1) != 0) { _re[next] = input[^1]; _im[next] = 0; next++; }
            if (next < _half)
            {
                _re.AsSpan(next, _half - next).Clear();
                _im.AsSpan(next, _half - next).Clear();
            }
            return;
        }
        for (int n = 0; n < _half; n++)
        {
            int i = 2 * n;
            int r = _bitReverse[n];
            _re[r] = i < input.Length ? input[i] : 0f;
            _im[r] = i + 1 < input.Length ? input[i + 1] : 0f;
        }
    }

    private void TransformRadix2()
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

    /// <summary>Inverse of <see cref="Forward"/>: the real signal of length Size whose bins 0..Size/2 are
    /// <paramref name="real"/> + i·<paramref name="imaginary"/> (the imaginary parts of bins 0 and Size/2 are ignored, as
    /// a real signal's are zero), scaled by 1/Size so that Inverse(Forward(x)) = x. Writes the first
    /// <paramref name="output"/>.Length samples (≤ Size).</summary>
    public void Inverse(ReadOnlySpan<float> real, ReadOnlySpan<float> imaginary, Span<float> output)
    {
        int h = _half;
        if (real.Length < h + 1 || imaginary.Length < h + 1) throw new ArgumentException("the spectrum needs Size / 2 + 1 bins");
        if (output.Length > Size) throw new ArgumentException("output is longer than the FFT size", nameof(output));
        // The packed half-size spectrum Z[k] = E[k] + i·O[k] of z[n] = x[2n] + i·x[2n + 1], with
        // E[k] = (X[k] + conj X[h − k]) / 2 and O[k] = (X[k] − conj X[h − k]) · conj(W^k) / 2 (Forward's split step
        // solved for E and O). z = conj(FFT(conj Z)) / h: Z is loaded conjugated in bit-reversed order for the radix-2
        // transform, the one path every size has.
        for (int k = 0; k < h; k++)
        {
            float ar = real[k], ai = k == 0 ? 0f : imaginary[k];
            float br = real[h - k], bi = k == 0 ? 0f : -imaginary[h - k];
            float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
            float dr = 0.5f * (ar - br), di = 0.5f * (ai - bi);
            float wr = _splitCos[k], wi = -_splitSin[k]; // conj(W^k)
            float or_ = dr * wr - di * wi, oi = dr * wi + di * wr;
            int r = _bitReverse[k];
            _re[r] = er - oi; // Re(E + i·O)
            _im[r] = -(ei + or_); // −Im(E + i·O): conjugated
        }
        TransformRadix2();
        float scale = 1f / h;
        int pairs = output.Length / 2;
        for (int n = 0; n < pairs; n++)
        {
            output[2 * n] = _re[n] * scale;
            output[2 * n + 1] = -_im[n] * scale;
        }
        if ((output.Length & 1) != 0) output[^1] = _re[pairs] * scale;
    }

    private void Split(Span<float> real, Span<float> imaginary)
    {
        int h = _half;
        float z0r = _outRe[0], z0i = _outIm[0];
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
        float ar = _outRe[k], ai = _outIm[k], br = _outRe[m], bi = -_outIm[m];
        float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
        float dr = 0.5f * (ar - br), di = 0.5f * (ai - bi);
        // (dr + i di) / i = di - i dr
        float or_ = di, oi = -dr;
        float wr = _splitCos[k], wi = _splitSin[k];
        xr = er + or_ * wr - oi * wi;
        xi = ei + or_ * wi + oi * wr;
    }
}

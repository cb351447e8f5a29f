using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// 256-point complex FFT on split real/imaginary arrays with 512-bit SIMD, as a 16 × 16 two-dimensional transform
/// (the "four-step" FFT): with n = 16·n1 + n2 and k = k1 + 16·k2,
/// X[k1 + 16·k2] = Σ_{n2} W16^{n2·k2} · W256^{n2·k1} · Σ_{n1} z[16·n1 + n2] · W16^{n1·k1}.
/// A row of 16 values is one Vector512, so the inner 16-point DFT runs across rows with all 16 lanes busy and scalar
/// (broadcast) twiddles; the data are then multiplied by the W256 twiddles, transposed, and the second 16-point DFT
/// runs across rows again. Input and output are in natural order: no bit reversal. Each 16-point DFT is 4 × 4
/// (radix-4 butterflies need no multiplications; nine twiddles between them, one of them −i).
/// </summary>
[SkipLocalsInit] // the stack buffers are written before they are read
internal static class ComplexFft256
{
    public const int Size = 256;
    private const int Row = 16;

    // W256^{n2·k1} at [k1·16 + n2].
    private static readonly float[] TwiddleRe = new float[Size], TwiddleIm = new float[Size];
    // cos and sin of 2π e / 16, e = 0..15 (W16^e = cos − i·sin).
    private static readonly float[] Cos16 = new float[Row], Sin16 = new float[Row];

    static ComplexFft256()
    {
        for (int k1 = 0; k1 < Row; k1++)
            for (int n2 = 0; n2 < Row; n2++)
            {
                double angle = -2 * Math.PI * n2 * k1 / Size;
                TwiddleRe[k1 * Row + n2] = (float)Math.Cos(angle);
                TwiddleIm[k1 * Row + n2] = (float)Math.Sin(angle);
            }
        for (int e = 0; e < Row; e++)
        {
            Cos16[e] = (float)Math.Cos(2 * Math.PI * e / Row);
            Sin16[e] = (float)Math.Sin(2 * Math.PI * e / Row);
        }
    }

    /// <summary>True where 512-bit vectors run in hardware; elsewhere callers use their generic path.</summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>Transforms (re, im) (256 values each, natural order); the result is written to (outRe, outIm) in natural
    /// order. (re, im) are used as scratch and overwritten.</summary>
    public static void Transform(Span<float> re, Span<float> im, Span<float> outRe, Span<float> outIm)
    {
        if (re.Length < Size || im.Length < Size || outRe.Length < Size || outIm.Length < Size)
            throw new ArgumentException("256 values per array");
        ref float xr = ref MemoryMarshal.GetReference(re);
        ref float xi = ref MemoryMarshal.GetReference(im);
        ref float yr = ref MemoryMarshal.GetReference(outRe);
        ref float yi = ref MemoryMarshal.GetReference(outIm);

        // 1. Σ over n1 (rows) for every column n2 at once: A[k1] (lanes n2) into y.
        Dft16(ref xr, ref xi, ref yr, ref yi);

        // 2. A[k1][n2] · W256^{n2·k1}.
        ref float tr = ref MemoryMarshal.GetArrayDataReference(TwiddleRe);
        ref float ti = ref MemoryMarshal.GetArrayDataReference(TwiddleIm);
        for (nuint o = 0; o < Size; o += Row)
        {
            var ar = Vector512.LoadUnsafe(ref yr, o);
            var ai = Vector512.LoadUnsafe(ref yi, o);
            var wr = Vector512.LoadUnsafe(ref tr, o);
            var wi = Vector512.LoadUnsafe(ref ti, o);
            (ar * wr - ai * wi).StoreUnsafe(ref yr, o);
            (ar * wi + ai * wr).StoreUnsafe(ref yi, o);
        }

        // 3. Transpose into x: x[n2·16 + k1] = y[k1·16 + n2].
        Transpose16(ref yr, ref xr);
        Transpose16(ref yi, ref xi);

        // 4. Σ over n2 (now rows) for every k1 at once: row k2 holds X[16·k2 + k1], natural order.
        Dft16(ref xr, ref xi, ref yr, ref yi);
    }

    /// <summary>16-point DFT across the 16 rows of (sr, si) for all 16 lanes: d[k] = Σ_m s[m]·W16^{m·k}, rows of 16.
    /// As 4 × 4 with m = 4·m1 + m2, k = k1 + 4·k2.</summary>
    private static void Dft16(ref float sr, ref float si, ref float dr, ref float di)
    {
        Span<Vector512<float>> ar = stackalloc Vector512<float>[Row];
        Span<Vector512<float>> ai = stackalloc Vector512<float>[Row];
        // 4-point DFTs over m1 for each m2; result for k1 kept at [4·k1 + m2].
        for (int m2 = 0; m2 < 4; m2++)
        {
            var x0r = Load(ref sr, m2); var x0i = Load(ref si, m2);
            var x1r = Load(ref sr, 4 + m2); var x1i = Load(ref si, 4 + m2);
            var x2r = Load(ref sr, 8 + m2); var x2i = Load(ref si, 8 + m2);
            var x3r = Load(ref sr, 12 + m2); var x3i = Load(ref si, 12 + m2);
            var t0r = x0r + x2r; var t0i = x0i + x2i;
            var t1r = x0r - x2r; var t1i = x0i - x2i;
            var t2r = x1r + x3r; var t2i = x1i + x3i;
            var t3r = x1r - x3r; var t3i = x1i - x3i;
            ar[m2] = t0r + t2r; ai[m2] = t0i + t2i;
            ar[8 + m2] = t0r - t2r; ai[8 + m2] = t0i - t2i;
            ar[4 + m2] = t1r + t3i; ai[4 + m2] = t1i - t3r;   // t1 − i·t3
            ar[12 + m2] = t1r - t3i; ai[12 + m2] = t1i + t3r; // t1 + i·t3
        }
        // Twiddles W16^{m2·k1} (k1, m2 ≥ 1); W16^4 = −i is a swap.
        for (int k1 = 1; k1 < 4; k1++)
            for (int m2 = 1; m2 < 4; m2++)
            {
                int at = 4 * k1 + m2, e = k1 * m2;
                var r = ar[at]; var i = ai[at];
                if (e == 4) { ar[at] = i; ai[at] = -r; continue; }
                var c = Vector512.Create(Cos16[e]); var s = Vector512.Create(Sin16[e]);
                ar[at] = r * c + i * s;
                ai[at] = i * c - r * s;
            }
        // 4-point DFTs over m2 for each k1: Y[k1 + 4·k2].
        for (int k1 = 0; k1 < 4; k1++)
        {
            int b = 4 * k1;
            var t0r = ar[b] + ar[b + 2]; var t0i = ai[b] + ai[b + 2];
            var t1r = ar[b] - ar[b + 2]; var t1i = ai[b] - ai[b + 2];
            var t2r = ar[b + 1] + ar[b + 3]; var t2i = ai[b + 1] + ai[b + 3];
            var t3r = ar[b + 1] - ar[b + 3]; var t3i = ai[b + 1] - ai[b + 3];
            Store(t0r + t2r, ref dr, k1); Store(t0i + t2i, ref di, k1);
            Store(t1r + t3i, ref dr, k1 + 4); Store(t1i - t3r, ref di, k1 + 4);
            Store(t0r - t2r, ref dr, k1 + 8); Store(t0i - t2i, ref di, k1 + 8);
            Store(t1r - t3i, ref dr, k1 + 12); Store(t1i + t3r, ref di, k1 + 12);
        }
    }

    /// <summary>16 × 16 transpose in registers: four rounds that swap the off-diagonal s × s blocks (s = 8, 4, 2, 1)
    /// of every 2s × 2s block, each a two-source lane permute per row pair.</summary>
    private static void Transpose16(ref float source, ref float destination)
    {
        Span<Vector512<float>> rows = stackalloc Vector512<float>[Row];
        for (int r = 0; r < Row; r++) rows[r] = Load(ref source, r);
        for (int s = 8; s >= 1; s >>= 1)
        {
            var (low, high) = s switch { 8 => (Low8, High8), 4 => (Low4, High4), 2 => (Low2, High2), _ => (Low1, High1) };
            for (int i = 0; i < Row; i++)
            {
                if ((i & s) != 0) continue;
                var a = rows[i]; var b = rows[i + s];
                rows[i] = Avx512F.PermuteVar16x32x2(a, low, b);
                rows[i + s] = Avx512F.PermuteVar16x32x2(a, high, b);
            }
        }
        for (int r = 0; r < Row; r++) Store(rows[r], ref destination, r);
    }

    // Lane l of the new row i: row i's lane l where bit s of l is clear, else row (i + s)'s lane l − s (index ≥ 16
    // picks from the second source); of the new row i + s: row i's lane l + s, else row (i + s)'s lane l.
    private static readonly Vector512<int> Low8 = SwapIndices(8, low: true), High8 = SwapIndices(8, low: false);
    private static readonly Vector512<int> Low4 = SwapIndices(4, low: true), High4 = SwapIndices(4, low: false);
    private static readonly Vector512<int> Low2 = SwapIndices(2, low: true), High2 = SwapIndices(2, low: false);
    private static readonly Vector512<int> Low1 = SwapIndices(1, low: true), High1 = SwapIndices(1, low: false);

    private static Vector512<int> SwapIndices(int s, bool low)
    {
        Span<int> index = stackalloc int[Row];
        for (int l = 0; l < Row; l++)
            index[l] = low ? ((l & s) == 0 ? l : Row + l - s) : ((l & s) == 0 ? l + s : Row + l);
        return Vector512.Create<int>(index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ref float source, int row) => Vector512.LoadUnsafe(ref source, (nuint)(row * Row));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> value, ref float destination, int row) => value.StoreUnsafe(ref destination, (nuint)(row * Row));
}

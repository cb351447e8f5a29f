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
    // cos and sin of 2π e / 16 for the twiddles W16^e = cos − i·sin inside a 16-point DFT.
    private const float C1 = 0.9238795325112867f, S1 = 0.3826834323650898f;
    private const float C2 = 0.7071067811865476f, S2 = 0.7071067811865475f;
    private const float C3 = 0.38268343236508984f, S3 = 0.9238795325112867f;
    private const float C6 = -0.7071067811865475f, S6 = 0.7071067811865476f;
    private const float C9 = -0.9238795325112868f, S9 = -0.38268343236508967f;

    static ComplexFft256()
    {
        for (int k1 = 0; k1 < Row; k1++)
            for (int n2 = 0; n2 < Row; n2++)
            {
                double angle = -2 * Math.PI * n2 * k1 / Size;
                TwiddleRe[k1 * Row + n2] = (float)Math.Cos(angle);
                TwiddleIm[k1 * Row + n2] = (float)Math.Sin(angle);
            }
    }

    /// <summary>True where 512-bit or (AVX2) 256-bit vectors run in hardware; elsewhere callers use their generic path.</summary>
    public static bool IsSupported => Is512 || Is256;

    /// <summary>Rows are one Vector512 each (AVX-512).</summary>
    internal static bool Is512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>Rows are two Vector256 each (AVX2 and FMA, no AVX-512): the same four steps, each 16-point DFT run once
    /// per half row, the transpose as four 8 × 8 block transposes.</summary>
    internal static bool Is256 => !Is512 && Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

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
        if (!Is512)
        {
            Transform256(ref xr, ref xi, ref yr, ref yi);
            return;
        }

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
    /// As 4 × 4 with m = 4·m1 + m2, k = k1 + 4·k2: four 4-point DFTs over m1, nine twiddles W16^{m2·k1}, four 4-point
    /// DFTs over m2. Written out as straight-line code so every value stays in a local (register), not a stack array.</summary>
    private static void Dft16(ref float sr, ref float si, ref float dr, ref float di)
    {
        var x0r = Load(ref sr, 0); var x0i = Load(ref si, 0);
        var x1r = Load(ref sr, 4); var x1i = Load(ref si, 4);
        var x2r = Load(ref sr, 8); var x2i = Load(ref si, 8);
        var x3r = Load(ref sr, 12); var x3i = Load(ref si, 12);
        var t0r = x0r + x2r; var t0i = x0i + x2i; var t1r = x0r - x2r; var t1i = x0i - x2i;
        var t2r = x1r + x3r; var t2i = x1i + x3i; var t3r = x1r - x3r; var t3i = x1i - x3i;
        var a00r = t0r + t2r; var a00i = t0i + t2i;
        var a10r = t1r + t3i; var a10i = t1i - t3r;
        var a20r = t0r - t2r; var a20i = t0i - t2i;
        var a30r = t1r - t3i; var a30i = t1i + t3r;
        x0r = Load(ref sr, 1); x0i = Load(ref si, 1);
        x1r = Load(ref sr, 5); x1i = Load(ref si, 5);
        x2r = Load(ref sr, 9); x2i = Load(ref si, 9);
        x3r = Load(ref sr, 13); x3i = Load(ref si, 13);
        t0r = x0r + x2r; t0i = x0i + x2i; t1r = x0r - x2r; t1i = x0i - x2i;
        t2r = x1r + x3r; t2i = x1i + x3i; t3r = x1r - x3r; t3i = x1i - x3i;
        var a01r = t0r + t2r; var a01i = t0i + t2i;
        var a11r = t1r + t3i; var a11i = t1i - t3r;
        var a21r = t0r - t2r; var a21i = t0i - t2i;
        var a31r = t1r - t3i; var a31i = t1i + t3r;
        x0r = Load(ref sr, 2); x0i = Load(ref si, 2);
        x1r = Load(ref sr, 6); x1i = Load(ref si, 6);
        x2r = Load(ref sr, 10); x2i = Load(ref si, 10);
        x3r = Load(ref sr, 14); x3i = Load(ref si, 14);
        t0r = x0r + x2r; t0i = x0i + x2i; t1r = x0r - x2r; t1i = x0i - x2i;
        t2r = x1r + x3r; t2i = x1i + x3i; t3r = x1r - x3r; t3i = x1i - x3i;
        var a02r = t0r + t2r; var a02i = t0i + t2i;
        var a12r = t1r + t3i; var a12i = t1i - t3r;
        var a22r = t0r - t2r; var a22i = t0i - t2i;
        var a32r = t1r - t3i; var a32i = t1i + t3r;
        x0r = Load(ref sr, 3); x0i = Load(ref si, 3);
        x1r = Load(ref sr, 7); x1i = Load(ref si, 7);
        x2r = Load(ref sr, 11); x2i = Load(ref si, 11);
        x3r = Load(ref sr, 15); x3i = Load(ref si, 15);
        t0r = x0r + x2r; t0i = x0i + x2i; t1r = x0r - x2r; t1i = x0i - x2i;
        t2r = x1r + x3r; t2i = x1i + x3i; t3r = x1r - x3r; t3i = x1i - x3i;
        var a03r = t0r + t2r; var a03i = t0i + t2i;
        var a13r = t1r + t3i; var a13i = t1i - t3r;
        var a23r = t0r - t2r; var a23i = t0i - t2i;
        var a33r = t1r - t3i; var a33i = t1i + t3r;
        Vector512<float> c, s, r;
        c = Vector512.Create(C1); s = Vector512.Create(S1); r = a11r;
        a11r = r * c + a11i * s; a11i = a11i * c - r * s;
        c = Vector512.Create(C2); s = Vector512.Create(S2); r = a12r;
        a12r = r * c + a12i * s; a12i = a12i * c - r * s;
        c = Vector512.Create(C3); s = Vector512.Create(S3); r = a13r;
        a13r = r * c + a13i * s; a13i = a13i * c - r * s;
        c = Vector512.Create(C2); s = Vector512.Create(S2); r = a21r;
        a21r = r * c + a21i * s; a21i = a21i * c - r * s;
        r = a22r; a22r = a22i; a22i = -r; // W16^4 = −i
        c = Vector512.Create(C6); s = Vector512.Create(S6); r = a23r;
        a23r = r * c + a23i * s; a23i = a23i * c - r * s;
        c = Vector512.Create(C3); s = Vector512.Create(S3); r = a31r;
        a31r = r * c + a31i * s; a31i = a31i * c - r * s;
        c = Vector512.Create(C6); s = Vector512.Create(S6); r = a32r;
        a32r = r * c + a32i * s; a32i = a32i * c - r * s;
        c = Vector512.Create(C9); s = Vector512.Create(S9); r = a33r;
        a33r = r * c + a33i * s; a33i = a33i * c - r * s;
        t0r = a00r + a02r; t0i = a00i + a02i; t1r = a00r - a02r; t1i = a00i - a02i;
        t2r = a01r + a03r; t2i = a01i + a03i; t3r = a01r - a03r; t3i = a01i - a03i;
        Store(t0r + t2r, ref dr, 0); Store(t0i + t2i, ref di, 0);
        Store(t1r + t3i, ref dr, 4); Store(t1i - t3r, ref di, 4);
        Store(t0r - t2r, ref dr, 8); Store(t0i - t2i, ref di, 8);
        Store(t1r - t3i, ref dr, 12); Store(t1i + t3r, ref di, 12);
        t0r = a10r + a12r; t0i = a10i + a12i; t1r = a10r - a12r; t1i = a10i - a12i;
        t2r = a11r + a13r; t2i = a11i + a13i; t3r = a11r - a13r; t3i = a11i - a13i;
        Store(t0r + t2r, ref dr, 1); Store(t0i + t2i, ref di, 1);
        Store(t1r + t3i, ref dr, 5); Store(t1i - t3r, ref di, 5);
        Store(t0r - t2r, ref dr, 9); Store(t0i - t2i, ref di, 9);
        Store(t1r - t3i, ref dr, 13); Store(t1i + t3r, ref di, 13);
        t0r = a20r + a22r; t0i = a20i + a22i; t1r = a20r - a22r; t1i = a20i - a22i;
        t2r = a21r + a23r; t2i = a21i + a23i; t3r = a21r - a23r; t3i = a21i - a23i;
        Store(t0r + t2r, ref dr, 2); Store(t0i + t2i, ref di, 2);
        Store(t1r + t3i, ref dr, 6); Store(t1i - t3r, ref di, 6);
        Store(t0r - t2r, ref dr, 10); Store(t0i - t2i, ref di, 10);
        Store(t1r - t3i, ref dr, 14); Store(t1i + t3r, ref di, 14);
        t0r = a30r + a32r; t0i = a30i + a32i; t1r = a30r - a32r; t1i = a30i - a32i;
        t2r = a31r + a33r; t2i = a31i + a33i; t3r = a31r - a33r; t3i = a31i - a33i;
        Store(t0r + t2r, ref dr, 3); Store(t0i + t2i, ref di, 3);
        Store(t1r + t3i, ref dr, 7); Store(t1i - t3r, ref di, 7);
        Store(t0r - t2r, ref dr, 11); Store(t0i - t2i, ref di, 11);
        Store(t1r - t3i, ref dr, 15); Store(t1i + t3r, ref di, 15);
    }

    /// <summary>16 × 16 transpose in registers: four rounds that swap the off-diagonal s × s blocks (s = 8, 4, 2, 1)
    /// of every 2s × 2s block, each a two-source lane permute per row pair (written out, values in locals).</summary>
    private static void Transpose16(ref float source, ref float destination)
    {
        var r0 = Load(ref source, 0);
        var r1 = Load(ref source, 1);
        var r2 = Load(ref source, 2);
        var r3 = Load(ref source, 3);
        var r4 = Load(ref source, 4);
        var r5 = Load(ref source, 5);
        var r6 = Load(ref source, 6);
        var r7 = Load(ref source, 7);
        var r8 = Load(ref source, 8);
        var r9 = Load(ref source, 9);
        var r10 = Load(ref source, 10);
        var r11 = Load(ref source, 11);
        var r12 = Load(ref source, 12);
        var r13 = Load(ref source, 13);
        var r14 = Load(ref source, 14);
        var r15 = Load(ref source, 15);
        Vector512<float> a, b;
        a = r0; b = r8; r0 = Avx512F.PermuteVar16x32x2(a, Low8, b); r8 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r1; b = r9; r1 = Avx512F.PermuteVar16x32x2(a, Low8, b); r9 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r2; b = r10; r2 = Avx512F.PermuteVar16x32x2(a, Low8, b); r10 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r3; b = r11; r3 = Avx512F.PermuteVar16x32x2(a, Low8, b); r11 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r4; b = r12; r4 = Avx512F.PermuteVar16x32x2(a, Low8, b); r12 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r5; b = r13; r5 = Avx512F.PermuteVar16x32x2(a, Low8, b); r13 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r6; b = r14; r6 = Avx512F.PermuteVar16x32x2(a, Low8, b); r14 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r7; b = r15; r7 = Avx512F.PermuteVar16x32x2(a, Low8, b); r15 = Avx512F.PermuteVar16x32x2(a, High8, b);
        a = r0; b = r4; r0 = Avx512F.PermuteVar16x32x2(a, Low4, b); r4 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r1; b = r5; r1 = Avx512F.PermuteVar16x32x2(a, Low4, b); r5 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r2; b = r6; r2 = Avx512F.PermuteVar16x32x2(a, Low4, b); r6 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r3; b = r7; r3 = Avx512F.PermuteVar16x32x2(a, Low4, b); r7 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r8; b = r12; r8 = Avx512F.PermuteVar16x32x2(a, Low4, b); r12 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r9; b = r13; r9 = Avx512F.PermuteVar16x32x2(a, Low4, b); r13 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r10; b = r14; r10 = Avx512F.PermuteVar16x32x2(a, Low4, b); r14 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r11; b = r15; r11 = Avx512F.PermuteVar16x32x2(a, Low4, b); r15 = Avx512F.PermuteVar16x32x2(a, High4, b);
        a = r0; b = r2; r0 = Avx512F.PermuteVar16x32x2(a, Low2, b); r2 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r1; b = r3; r1 = Avx512F.PermuteVar16x32x2(a, Low2, b); r3 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r4; b = r6; r4 = Avx512F.PermuteVar16x32x2(a, Low2, b); r6 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r5; b = r7; r5 = Avx512F.PermuteVar16x32x2(a, Low2, b); r7 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r8; b = r10; r8 = Avx512F.PermuteVar16x32x2(a, Low2, b); r10 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r9; b = r11; r9 = Avx512F.PermuteVar16x32x2(a, Low2, b); r11 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r12; b = r14; r12 = Avx512F.PermuteVar16x32x2(a, Low2, b); r14 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r13; b = r15; r13 = Avx512F.PermuteVar16x32x2(a, Low2, b); r15 = Avx512F.PermuteVar16x32x2(a, High2, b);
        a = r0; b = r1; r0 = Avx512F.PermuteVar16x32x2(a, Low1, b); r1 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r2; b = r3; r2 = Avx512F.PermuteVar16x32x2(a, Low1, b); r3 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r4; b = r5; r4 = Avx512F.PermuteVar16x32x2(a, Low1, b); r5 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r6; b = r7; r6 = Avx512F.PermuteVar16x32x2(a, Low1, b); r7 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r8; b = r9; r8 = Avx512F.PermuteVar16x32x2(a, Low1, b); r9 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r10; b = r11; r10 = Avx512F.PermuteVar16x32x2(a, Low1, b); r11 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r12; b = r13; r12 = Avx512F.PermuteVar16x32x2(a, Low1, b); r13 = Avx512F.PermuteVar16x32x2(a, High1, b);
        a = r14; b = r15; r14 = Avx512F.PermuteVar16x32x2(a, Low1, b); r15 = Avx512F.PermuteVar16x32x2(a, High1, b);
        Store(r0, ref destination, 0);
        Store(r1, ref destination, 1);
        Store(r2, ref destination, 2);
        Store(r3, ref destination, 3);
        Store(r4, ref destination, 4);
        Store(r5, ref destination, 5);
        Store(r6, ref destination, 6);
        Store(r7, ref destination, 7);
        Store(r8, ref destination, 8);
        Store(r9, ref destination, 9);
        Store(r10, ref destination, 10);
        Store(r11, ref destination, 11);
        Store(r12, ref destination, 12);
        Store(r13, ref destination, 13);
        Store(r14, ref destination, 14);
        Store(r15, ref destination, 15);
    }

    private static void Transform256(ref float xr, ref float xi, ref float yr, ref float yi)
    {
        Dft16Half(ref xr, ref xi, ref yr, ref yi);
        Dft16Half(ref Unsafe.Add(ref xr, 8), ref Unsafe.Add(ref xi, 8), ref Unsafe.Add(ref yr, 8), ref Unsafe.Add(ref yi, 8));
        ref float tr = ref MemoryMarshal.GetArrayDataReference(TwiddleRe);
        ref float ti = ref MemoryMarshal.GetArrayDataReference(TwiddleIm);
        for (nuint o = 0; o < Size; o += 8)
        {
            var ar = Vector256.LoadUnsafe(ref yr, o);
            var ai = Vector256.LoadUnsafe(ref yi, o);
            var wr = Vector256.LoadUnsafe(ref tr, o);
            var wi = Vector256.LoadUnsafe(ref ti, o);
            (ar * wr - ai * wi).StoreUnsafe(ref yr, o);
            (ar * wi + ai * wr).StoreUnsafe(ref yi, o);
        }
        // Block (i, j) of the 16 × 16 (rows 8i.., lanes 8j..) goes, transposed, to block (j, i).
        for (int part = 0; part < 2; part++)
        {
            ref float from = ref part == 0 ? ref yr : ref yi;
            ref float to = ref part == 0 ? ref xr : ref xi;
            Transpose8(ref from, ref to);
            Transpose8(ref Unsafe.Add(ref from, 8), ref Unsafe.Add(ref to, 8 * Row));
            Transpose8(ref Unsafe.Add(ref from, 8 * Row), ref Unsafe.Add(ref to, 8));
            Transpose8(ref Unsafe.Add(ref from, 8 * Row + 8), ref Unsafe.Add(ref to, 8 * Row + 8));
        }
        Dft16Half(ref xr, ref xi, ref yr, ref yi);
        Dft16Half(ref Unsafe.Add(ref xr, 8), ref Unsafe.Add(ref xi, 8), ref Unsafe.Add(ref yr, 8), ref Unsafe.Add(ref yi, 8));
    }

    /// <summary><see cref="Dft16"/> for the eight lanes of 256-bit vectors at (sr, si) (row stride 16): the same
    /// 4 × 4 decomposition, as two radix-4 passes over loops (the 16 ymm registers cannot hold all 32 rows).</summary>
    private static void Dft16Half(ref float sr, ref float si, ref float dr, ref float di)
    {
        // Pass 1, for each m2: the 4-point DFT over m1 of rows 4·m1 + m2, times W16^{m2·k1}; kept in a[k1·4 + m2].
        Span<Vector256<float>> ar = stackalloc Vector256<float>[16];
        Span<Vector256<float>> ai = stackalloc Vector256<float>[16];
        for (int m2 = 0; m2 < 4; m2++)
        {
            var x0r = Load8(ref sr, m2); var x0i = Load8(ref si, m2);
            var x1r = Load8(ref sr, 4 + m2); var x1i = Load8(ref si, 4 + m2);
            var x2r = Load8(ref sr, 8 + m2); var x2i = Load8(ref si, 8 + m2);
            var x3r = Load8(ref sr, 12 + m2); var x3i = Load8(ref si, 12 + m2);
            var t0r = x0r + x2r; var t0i = x0i + x2i; var t1r = x0r - x2r; var t1i = x0i - x2i;
            var t2r = x1r + x3r; var t2i = x1i + x3i; var t3r = x1r - x3r; var t3i = x1i - x3i;
            ar[m2] = t0r + t2r; ai[m2] = t0i + t2i;
            Rotate(t1r + t3i, t1i - t3r, m2, out ar[4 + m2], out ai[4 + m2]);
            Rotate(t0r - t2r, t0i - t2i, 2 * m2, out ar[8 + m2], out ai[8 + m2]);
            Rotate(t1r - t3i, t1i + t3r, 3 * m2, out ar[12 + m2], out ai[12 + m2]);
        }
        // Pass 2, for each k1: the 4-point DFT over m2; output k = k1 + 4·k2.
        for (int k1 = 0; k1 < 4; k1++)
        {
            int b = 4 * k1;
            var t0r = ar[b] + ar[b + 2]; var t0i = ai[b] + ai[b + 2]; var t1r = ar[b] - ar[b + 2]; var t1i = ai[b] - ai[b + 2];
            var t2r = ar[b + 1] + ar[b + 3]; var t2i = ai[b + 1] + ai[b + 3]; var t3r = ar[b + 1] - ar[b + 3]; var t3i = ai[b + 1] - ai[b + 3];
            Store8(t0r + t2r, ref dr, k1); Store8(t0i + t2i, ref di, k1);
            Store8(t1r + t3i, ref dr, 4 + k1); Store8(t1i - t3r, ref di, 4 + k1);
            Store8(t0r - t2r, ref dr, 8 + k1); Store8(t0i - t2i, ref di, 8 + k1);
            Store8(t1r - t3i, ref dr, 12 + k1); Store8(t1i + t3r, ref di, 12 + k1);
        }
    }

    // W16^e = cos(2πe/16) − i·sin(2πe/16), e = 0..9.
    private static readonly float[] RotateCos = Enumerable.Range(0, 10).Select(e => (float)Math.Cos(2 * Math.PI * e / 16)).ToArray();
    private static readonly float[] RotateSin = Enumerable.Range(0, 10).Select(e => (float)Math.Sin(2 * Math.PI * e / 16)).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rotate(Vector256<float> r, Vector256<float> i, int e, out Vector256<float> outR, out Vector256<float> outI)
    {
        var c = Vector256.Create(RotateCos[e]);
        var s = Vector256.Create(RotateSin[e]);
        outR = r * c + i * s;
        outI = i * c - r * s;
    }

    /// <summary>Transposes the 8 × 8 block at <paramref name="source"/> (row stride 16) into the one at
    /// <paramref name="destination"/>: pairs of rows interleaved, then pairs of pairs, then 128-bit halves exchanged.</summary>
    private static void Transpose8(ref float source, ref float destination)
    {
        var r0 = Load8(ref source, 0); var r1 = Load8(ref source, 1);
        var r2 = Load8(ref source, 2); var r3 = Load8(ref source, 3);
        var r4 = Load8(ref source, 4); var r5 = Load8(ref source, 5);
        var r6 = Load8(ref source, 6); var r7 = Load8(ref source, 7);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Store8(Avx.Permute2x128(u0, u4, 0x20), ref destination, 0);
        Store8(Avx.Permute2x128(u1, u5, 0x20), ref destination, 1);
        Store8(Avx.Permute2x128(u2, u6, 0x20), ref destination, 2);
        Store8(Avx.Permute2x128(u3, u7, 0x20), ref destination, 3);
        Store8(Avx.Permute2x128(u0, u4, 0x31), ref destination, 4);
        Store8(Avx.Permute2x128(u1, u5, 0x31), ref destination, 5);
        Store8(Avx.Permute2x128(u2, u6, 0x31), ref destination, 6);
        Store8(Avx.Permute2x128(u3, u7, 0x31), ref destination, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load8(ref float source, int row) => Vector256.LoadUnsafe(ref source, (nuint)(row * Row));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store8(Vector256<float> value, ref float destination, int row) => value.StoreUnsafe(ref destination, (nuint)(row * Row));

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

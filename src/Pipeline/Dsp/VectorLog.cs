using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// Natural logarithm of positive normal floats, eight lanes at a time, to within two float spacings of the exact value (tested): the
/// exponent is read from the bits, the mantissa m brought into [√½, √2) and ln m = 2·atanh s with s = (m − 1)/(m + 1),
/// |s| ≤ 0.172, as the odd series s + s³/3 + … + s⁹/9 (the first term left out, s¹¹/11, is below 1e-9). Cheaper than
/// the general-purpose vector logarithm, which also handles zeros, subnormals, infinities and NaN: the callers here
/// floor their inputs at 1e-10 first. Zero, negative, subnormal or non-finite inputs give meaningless lanes.
/// </summary>
internal static class VectorLog
{
    // ln 2 split so that e·Ln2High is exact for |e| < 2⁹ (15 significant bits) and the rest is carried by Ln2Low.
    private const float Ln2High = 0.693145751953125f, Ln2Low = 1.4286068202862268e-6f; // 22713 / 2¹⁵ and the rest
    private const float Sqrt2 = 1.41421356f;

    /// <summary>ln x in each lane, for positive normal x.</summary>
    public static Vector256<float> Log(Vector256<float> x)
    {
        var bits = x.AsInt32();
        var exponent = (bits >>> 23) - Vector256.Create(127);
        var mantissa = ((bits & Vector256.Create(0x007FFFFF)) | Vector256.Create(0x3F800000)).AsSingle(); // [1, 2)
        var high = Vector256.GreaterThan(mantissa, Vector256.Create(Sqrt2));
        mantissa = Vector256.ConditionalSelect(high, mantissa * 0.5f, mantissa);
        exponent -= high.AsInt32(); // a true lane is −1: the exponent goes up by one where the mantissa was halved
        var one = Vector256<float>.One;
        var s = (mantissa - one) / (mantissa + one);
        var s2 = s * s;
        var series = Vector256.FusedMultiplyAdd(s2, Vector256.Create(1f / 9), Vector256.Create(1f / 7));
        series = Vector256.FusedMultiplyAdd(series, s2, Vector256.Create(1f / 5));
        series = Vector256.FusedMultiplyAdd(series, s2, Vector256.Create(1f / 3));
        series = Vector256.FusedMultiplyAdd(series, s2, one);
        var lnMantissa = (s + s) * series;
        var e = Vector256.ConvertToSingle(exponent);
        return Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2High), Vector256.FusedMultiplyAdd(e, Vector256.Create(Ln2Low), lnMantissa));
    }

    /// <summary>y = ln max(x, floor) element-wise (<paramref name="floor"/> a positive normal float).</summary>
    public static void LogOfAtLeast(ReadOnlySpan<float> x, float floor, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("output shorter than input", nameof(y));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float source = ref MemoryMarshal.GetReference(x);
            ref float target = ref MemoryMarshal.GetReference(y);
            var low = Vector256.Create(floor);
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
                Log(Vector256.Max(Vector256.LoadUnsafe(ref source, (nuint)i), low)).StoreUnsafe(ref target, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = MathF.Log(Math.Max(x[i], floor));
    }
}

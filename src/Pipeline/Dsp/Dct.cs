using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>Orthonormal DCT-II as a precomputed matrix, returning coefficients [first, first + count). Up to 16
/// coefficients on a SIMD CPU: one vector of outputs (two of 256 bits without AVX-512), a broadcast input times a
/// matrix column per step.</summary>
public sealed class Dct
{
    private readonly float[] _matrix;
    private readonly float[]? _columns; // [n·16 + c] = matrix[c, n], c < 16 (zero past count)
    private readonly int _inputs;

    public Dct(int inputs, int first, int count)
    {
        _inputs = inputs;
        Count = count;
        _matrix = new float[count * inputs];
        for (int c = 0; c < count; c++)
        {
            int k = first + c;
            double scale = Math.Sqrt((k == 0 ? 1.0 : 2.0) / inputs);
            for (int n = 0; n < inputs; n++)
                _matrix[c * inputs + n] = (float)(scale * Math.Cos(Math.PI * k * (n + 0.5) / inputs));
        }
        if (count <= 16 && (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated))
        {
            _columns = new float[inputs * 16];
            for (int c = 0; c < count; c++)
                for (int n = 0; n < inputs; n++) _columns[n * 16 + c] = _matrix[c * inputs + n];
        }
    }

    public int Count { get; }

    public void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_columns is not null)
        {
            if (input.Length < _inputs || output.Length < Count) throw new ArgumentException("input or output too short");
            ref float m = ref MemoryMarshal.GetArrayDataReference(_columns);
            Span<float> all = stackalloc float[16];
            if (!Vector512.IsHardwareAccelerated)
            {
                // 256-bit lanes: the low and high eight coefficients in two accumulators.
                var lo = Vector256<float>.Zero; var hi = Vector256<float>.Zero;
                for (int k = 0; k < _inputs; k++)
                {
                    var x = Vector256.Create(input[k]);
                    lo = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref m, (nuint)(k * 16)), lo);
                    hi = Vector256.FusedMultiplyAdd(x, Vector256.LoadUnsafe(ref m, (nuint)(k * 16 + 8)), hi);
                }
                lo.CopyTo(all);
                hi.CopyTo(all[8..]);
                all[..Count].CopyTo(output);
                return;
            }
            var a0 = Vector512<float>.Zero; var a1 = Vector512<float>.Zero;
            int n = 0;
            for (; n + 2 <= _inputs; n += 2)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(input[n]), Vector512.LoadUnsafe(ref m, (nuint)(n * 16)), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(input[n + 1]), Vector512.LoadUnsafe(ref m, (nuint)(n * 16 + 16)), a1);
            }
            if (n < _inputs) a0 = Vector512.FusedMultiplyAdd(Vector512.Create(input[n]), Vector512.LoadUnsafe(ref m, (nuint)(n * 16)), a0);
            (a0 + a1).CopyTo(all);
            all[..Count].CopyTo(output);
            return;
        }
        for (int c = 0; c < Count; c++)
            output[c] = System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(_matrix, c * _inputs, _inputs), input[.._inputs]);
    }
}

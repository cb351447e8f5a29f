namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>Orthonormal DCT-II as a precomputed matrix, returning coefficients [first, first + count).</summary>
public sealed class Dct
{
    private readonly float[] _matrix;
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
    }

    public int Count { get; }

    public void Apply(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int c = 0; c < Count; c++)
            output[c] = System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(_matrix, c * _inputs, _inputs), input[.._inputs]);
    }
}

namespace VoiceEmotion.Training.Nn;

/// <summary>Named tensors laid out in one flat array, so optimisers and gradient buffers treat them as one vector.</summary>
public sealed class ParameterSet
{
    private readonly Dictionary<string, (int Offset, int[] Shape)> _index = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public float[] Values { get; private set; } = [];

    public int Count { get; private set; }

    public IReadOnlyList<string> Names => _order;

    /// <summary>Names of tensors that weight decay applies to (weights, not biases).</summary>
    public HashSet<string> Decayed { get; } = new(StringComparer.Ordinal);

    public void Add(string name, bool decay, params int[] shape)
    {
        int size = shape.Aggregate(1, (a, b) => a * b);
        _index[name] = (Count, shape);
        _order.Add(name);
        if (decay) Decayed.Add(name);
        Count += size;
    }

    public void Allocate() => Values = new float[Count];

    public int Offset(string name) => _index[name].Offset;

    public int[] Shape(string name) => _index[name].Shape;

    public int Size(string name) => _index[name].Shape.Aggregate(1, (a, b) => a * b);

    public Span<float> Get(string name) => Values.AsSpan(Offset(name), Size(name));

    public ReadOnlySpan<float> Get(float[] buffer, string name) => buffer.AsSpan(Offset(name), Size(name));
}

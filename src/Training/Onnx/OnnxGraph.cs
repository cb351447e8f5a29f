using System.Runtime.InteropServices;

namespace VoiceEmotion.Training.Onnx;

/// <summary>
/// Builds an ONNX ModelProto (IR version 8, default-domain opset 17) from nodes and float initializers.
/// Field numbers follow onnx/onnx.proto.
/// </summary>
internal sealed class OnnxGraph
{
    public const int IrVersion = 8;
    public const int Opset = 17;

    private const int TensorFloat = 1, TensorInt64 = 7;
    private const int AttrFloat = 1, AttrInt = 2, AttrInts = 7;

    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _initializers = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private int _nodeCount;

    /// <summary>Adds a float tensor constant.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new ProtoWriter();
        foreach (long d in dims) tensor.Int(1, d);
        tensor.Int(2, TensorFloat).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values));
        _initializers.Add(tensor);
        return name;
    }

    /// <summary>Adds an int64 tensor constant (Slice bounds, Unsqueeze axes).</summary>
    public string Int64Initializer(string name, long[] values)
    {
        var tensor = new ProtoWriter().Int(1, values.Length).Int(2, TensorInt64).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        _initializers.Add(tensor);
        return name;
    }

    /// <summary>Declares a float graph input or output; a dimension of -1 is the symbolic batch "N".</summary>
    public void Input(string name, params long[] dims) => _inputs.Add(ValueInfo(name, dims));

    public void Output(string name, params long[] dims) => _outputs.Add(ValueInfo(name, dims));

    /// <summary>Adds a node; attributes are (name, value) with value an int, long, float or long[].</summary>
    public string Node(string opType, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
    {
        output ??= $"{opType.ToLowerInvariant()}_{_nodeCount}";
        var node = new ProtoWriter();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output).String(3, $"{opType}_{_nodeCount++}").String(4, opType);
        foreach (var (name, value) in attributes)
        {
            var attribute = new ProtoWriter().String(1, name);
            switch (value)
            {
                case int i: attribute.Int(3, i).Int(20, AttrInt); break;
                case long l: attribute.Int(3, l).Int(20, AttrInt); break;
                case float f: attribute.Float(2, f).Int(20, AttrFloat); break;
                case long[] ints:
                    foreach (long v in ints) attribute.Int(8, v);
                    attribute.Int(20, AttrInts);
                    break;
                default: throw new ArgumentException($"unsupported attribute type {value.GetType()}");
            }
            node.Message(5, attribute);
        }
        _nodes.Add(node);
        return output;
    }

    public byte[] ToModel(string graphName, IReadOnlyDictionary<string, string> metadata, string producer, string producerVersion)
    {
        var graph = new ProtoWriter();
        foreach (var n in _nodes) graph.Message(1, n);
        graph.String(2, graphName);
        foreach (var i in _initializers) graph.Message(5, i);
        foreach (var i in _inputs) graph.Message(11, i);
        foreach (var o in _outputs) graph.Message(12, o);

        var model = new ProtoWriter()
            .Int(1, IrVersion)
            .String(2, producer)
            .String(3, producerVersion)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int(2, Opset));
        foreach (var (key, value) in metadata) model.Message(14, new ProtoWriter().String(1, key).String(2, value));
        return model.ToArray();
    }

    private static ProtoWriter ValueInfo(string name, long[] dims)
    {
        var shape = new ProtoWriter();
        foreach (long d in dims)
            shape.Message(1, d < 0 ? new ProtoWriter().String(2, "N") : new ProtoWriter().Int(1, d));
        var tensorType = new ProtoWriter().Int(1, TensorFloat).Message(2, shape);
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }
}

using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Onnx;

/// <summary>
/// Writes one <see cref="EmotionNet"/> or an ensemble (probabilities averaged) as a single ONNX graph with standard
/// operators: Sub/Mul (standardisation, temperature), Transpose, Conv, Relu, ReduceMean, Sqrt, Concat, Gemm, Softmax, Sum.
/// </summary>
public static class OnnxExporter
{
    public const string FramesInput = "frames";
    public const string StatsInput = "stats";
    public const string Output = "probabilities";

    public static byte[] Export(IReadOnlyList<EmotionNet> members, IReadOnlyDictionary<string, string> metadata)
    {
        if (members.Count == 0) throw new ArgumentException("no model to export", nameof(members));
        var c = members[0].Config;
        if (members.Any(m => m.Config != c)) throw new ArgumentException("ensemble members must share one configuration");
        var g = new OnnxGraph();
        if (c.UseFrames) g.Input(FramesInput, -1, c.Frames, c.Features);
        if (c.UseStats) g.Input(StatsInput, -1, c.Stats);
        var outputs = new List<string>();
        for (int k = 0; k < members.Count; k++)
            outputs.Add(Member(g, members[k], members.Count == 1 ? "" : $"m{k}/"));
        if (outputs.Count == 1)
            g.Node("Identity", [outputs[0]], Output);
        else
        {
            var sum = g.Node("Sum", [.. outputs]);
            var scale = g.Initializer("ensemble_scale", [1f / outputs.Count], 1);
            g.Node("Mul", [sum, scale], Output);
        }
        g.Output(Output, -1, c.Classes);
        return g.ToModel("voiceemotion", metadata, "VoiceEmotion.Training", typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0");
    }

    // EmotionNet.ShiftOf in graph form, as [N, 1, F] to broadcast over the frames.
    private static string Shift(OnnxGraph g, NetConfig c, string prefix)
    {
        string Slice(string name, long start, long end) => g.Node("Slice",
            [StatsInput, g.Int64Initializer($"{prefix}{name}_start", [start]), g.Int64Initializer($"{prefix}{name}_end", [end]), g.Int64Initializer($"{prefix}{name}_axis", [1])]);
        int f = c.Features, s = Pipeline.Features.FeatureSchema.WindowStatisticsCount;
        string shift = Slice("window_means", 0, f);
        if (c.FrameShift == FrameShift.Session)
            shift = g.Node("Sub", [g.Node("Mul", [shift, Slice("session_weight", 2 * s, 2 * s + 1)]), Slice("session_means", s, s + f)]);
        return g.Node("Unsqueeze", [shift, g.Int64Initializer(prefix + "shift_axes", [1])]);
    }

    private static string Member(OnnxGraph g, EmotionNet net, string prefix)
    {
        var c = net.Config;
        var p = net.Parameters;
        string W(string name) => g.Initializer(prefix + name, p.Get(name), [.. p.Shape(name).Select(d => (long)d)]);
        var joined = new List<string>();
        if (c.UseFrames)
        {
            string x = FramesInput;
            if (c.FrameShift != FrameShift.None) x = g.Node("Sub", [x, Shift(g, c, prefix)]);
            x = g.Node("Sub", [x, g.Initializer(prefix + "frames_mean", net.FrameMean, c.Features)]);
            x = g.Node("Mul", [x, g.Initializer(prefix + "frames_scale", net.FrameScale, c.Features)]);
            x = g.Node("Transpose", [x], null, ("perm", new long[] { 0, 2, 1 }));
            x = g.Node("Conv", [x, W("conv1.w"), W("conv1.b")], null,
                ("kernel_shape", new long[] { c.Kernel1 }), ("strides", new long[] { c.Kernel1 }));
            x = g.Node("Relu", [x]);
            x = g.Node("Conv", [x, W("conv2.w"), W("conv2.b")], null,
                ("kernel_shape", new long[] { c.Kernel2 }), ("pads", new long[] { c.Pad2, c.Pad2 }));
            x = g.Node("Relu", [x]);
            x = g.Node("Conv", [x, W("conv3.w"), W("conv3.b")], null,
                ("kernel_shape", new long[] { c.Kernel3 }), ("pads", new long[] { c.Pad3, c.Pad3 }), ("dilations", new long[] { c.Dilation3 }));
            x = g.Node("Relu", [x]);
            var mean = g.Node("ReduceMean", [x], null, ("axes", new long[] { 2 }), ("keepdims", 0));
            var meanKeep = g.Node("ReduceMean", [x], null, ("axes", new long[] { 2 }), ("keepdims", 1));
            var centred = g.Node("Sub", [x, meanKeep]);
            var variance = g.Node("ReduceMean", [g.Node("Mul", [centred, centred])], null, ("axes", new long[] { 2 }), ("keepdims", 0));
            var std = g.Node("Sqrt", [g.Node("Add", [variance, g.Initializer(prefix + "std_epsilon", [1e-5f], 1)])]);
            joined.Add(mean);
            joined.Add(std);
        }
        if (c.UseStats)
        {
            var s = g.Node("Sub", [StatsInput, g.Initializer(prefix + "stats_mean", net.StatsMean, c.Stats)]);
            s = g.Node("Mul", [s, g.Initializer(prefix + "stats_scale", net.StatsScale, c.Stats)]);
            s = g.Node("Gemm", [s, W("stats.w"), W("stats.b")], null, ("transB", 1));
            joined.Add(g.Node("Relu", [s]));
        }
        var join = joined.Count == 1 ? joined[0] : g.Node("Concat", [.. joined], null, ("axis", 1));
        var h = g.Node("Relu", [g.Node("Gemm", [join, W("hidden.w"), W("hidden.b")], null, ("transB", 1))]);
        var logits = g.Node("Gemm", [h, W("out.w"), W("out.b")], null, ("transB", 1));
        if (net.Temperature != 1) logits = g.Node("Mul", [logits, g.Initializer(prefix + "inverse_temperature", [1 / net.Temperature], 1)]);
        return g.Node("Softmax", [logits], null, ("axis", 1));
    }
}

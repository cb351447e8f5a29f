using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Onnx;

/// <summary>
/// Writes one <see cref="EmotionNet"/> or an ensemble (probabilities combined by <see cref="EnsembleWeights"/>) as a single ONNX graph with standard
/// operators: Slice/Unsqueeze/Sub (the frame shift, <see cref="FrameShift"/>), Transpose, Conv, Relu, ReduceMean, Sub/Mul/Add/Sqrt (the std pooling, temperature), Concat, Gemm, Softmax, Sum, Clip (the session members' share).
/// Input standardisation ((x − mean) · scale per feature) is folded into the first layer that reads each input —
/// conv1 for the frames (no padding, so every tap sees a real frame), the stats Gemm for the statistics — so the
/// runtime does not make two extra passes over every window (issue #14).
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
        // Members may differ in shape (a CNN beside a statistics-only MLP) but must read the same inputs the same way.
        if (members.Any(m => m.Config.Features != c.Features || m.Config.Stats != c.Stats || m.Config.Classes != c.Classes))
            throw new ArgumentException("ensemble members must share feature, statistics and class counts");
        var framed = members.Where(m => m.Config.UseFrames).Select(m => m.Config.Frames).Distinct().ToList();
        if (framed.Count > 1) throw new ArgumentException("ensemble members that read frames must read the same window length");
        var g = new OnnxGraph();
        if (framed.Count == 1) g.Input(FramesInput, -1, framed[0], c.Features);
        if (members.Any(m => m.Config.UseStats)) g.Input(StatsInput, -1, c.Stats);
        var outputs = new List<string>();
        for (int k = 0; k < members.Count; k++)
            outputs.Add(Member(g, members[k], members.Count == 1 ? "" : $"m{k}/"));
        var configs = members.Select(m => m.Config).ToList();
        float gate = EnsembleWeights.Gate(configs);
        string Mean(IEnumerable<string> parts, string name, string? output = null)
        {
            var list = parts.ToList();
            var sum = list.Count == 1 ? list[0] : g.Node("Sum", [.. list]);
            return g.Node("Mul", [sum, g.Initializer(name, [1f / list.Count], 1)], output);
        }
        if (outputs.Count == 1)
            g.Node("Identity", [outputs[0]], Output);
        else if (gate == 0)
            Mean(outputs, "ensemble_scale", Output);
        else
        {
            // EnsembleWeights in graph form: share = clip(gate · w², 0, 1) as [N, 1], session members' mean × share
            // + the others' mean × (1 − share).
            int index = Pipeline.Features.FeatureSchema.SessionWeightIndex;
            var w = SliceStats(g, "gate_weight", index, index + 1);
            var share = g.Node("Clip", [g.Node("Mul", [g.Node("Mul", [w, w]), g.Initializer("session_gate", [gate], 1)]), g.Initializer("share_min", [0f]), g.Initializer("share_max", [1f])]);
            var rest = g.Node("Sub", [g.Initializer("share_one", [1f], 1), share]);
            var session = Mean(outputs.Where((_, k) => configs[k].IsSessionMember), "session_members_scale");
            var others = Mean(outputs.Where((_, k) => !configs[k].IsSessionMember), "other_members_scale");
            g.Node("Add", [g.Node("Mul", [session, share]), g.Node("Mul", [others, rest])], Output);
        }
        g.Output(Output, -1, c.Classes);
        return g.ToModel("voiceemotion", metadata, "VoiceEmotion.Training", typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0");
    }

    // EmotionNet.ShiftOf in graph form, as [N, 1, F] to broadcast over the frames.
    private static string Shift(OnnxGraph g, NetConfig c, string prefix)
    {
        int f = c.Features, s = Pipeline.Features.FeatureSchema.WindowStatisticsCount, w = Pipeline.Features.FeatureSchema.SessionWeightIndex;
        string shift = SliceStats(g, prefix + "window_means", 0, f);
        if (c.FrameShift == FrameShift.Session)
            shift = g.Node("Sub", [g.Node("Mul", [shift, SliceStats(g, prefix + "session_weight", w, w + 1)]), SliceStats(g, prefix + "session_means", s, s + f)]);
        return g.Node("Unsqueeze", [shift, g.Int64Initializer(prefix + "shift_axes", [1])]);
    }

    // Columns [start, end) of the statistics input, [N, end − start]; the bounds' initializers are named after `name`.
    private static string SliceStats(OnnxGraph g, string name, long start, long end) => g.Node("Slice",
        [StatsInput, g.Int64Initializer($"{name}_start", [start]), g.Int64Initializer($"{name}_end", [end]), g.Int64Initializer($"{name}_axis", [1])]);

    private static string Member(OnnxGraph g, EmotionNet net, string prefix)
    {
        var c = net.Config;
        var p = net.Parameters;
        string W(string name) => g.Initializer(prefix + name, p.Get(name), [.. p.Shape(name).Select(d => (long)d)]);
        var joined = new List<string>();
        if (c.UseFrames)
        {
            var (conv1W, conv1B) = FoldStandardisation(p.Get("conv1.w"), p.Get("conv1.b"), net.FrameMean, net.FrameScale, c.Kernel1);
            string x = FramesInput;
            if (c.FrameShift != FrameShift.None) x = g.Node("Sub", [x, Shift(g, c, prefix)]);
            x = g.Node("Transpose", [x], null, ("perm", new long[] { 0, 2, 1 }));
            x = g.Node("Conv", [x, g.Initializer(prefix + "conv1.w", conv1W, [.. p.Shape("conv1.w").Select(d => (long)d)]),
                    g.Initializer(prefix + "conv1.b", conv1B, c.Channels1)], null,
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
            var (statsW, statsB) = FoldStandardisation(p.Get("stats.w"), p.Get("stats.b"), net.StatsMean, net.StatsScale, 1);
            var s = g.Node("Gemm", [StatsInput, g.Initializer(prefix + "stats.w", statsW, [.. p.Shape("stats.w").Select(d => (long)d)]),
                g.Initializer(prefix + "stats.b", statsB, c.StatsHidden)], null, ("transB", 1));
            joined.Add(g.Node("Relu", [s]));
        }
        var join = joined.Count == 1 ? joined[0] : g.Node("Concat", [.. joined], null, ("axis", 1));
        var h = g.Node("Relu", [g.Node("Gemm", [join, W("hidden.w"), W("hidden.b")], null, ("transB", 1))]);
        var logits = g.Node("Gemm", [h, W("out.w"), W("out.b")], null, ("transB", 1));
        if (net.Temperature != 1) logits = g.Node("Mul", [logits, g.Initializer(prefix + "inverse_temperature", [1 / net.Temperature], 1)]);
        return g.Node("Softmax", [logits], null, ("axis", 1));
    }

    /// <summary>
    /// A linear layer over standardised input, w · ((x − mean) · scale) + b, as one over raw input: w' = w · scale and
    /// b' = b − Σ w · scale · mean. <paramref name="weights"/> is [outputs × features × taps] (a Conv's weights, or a
    /// Gemm's [outputs × features] with one tap). Sums run in double so the fold adds no error beyond float rounding.
    /// </summary>
    internal static (float[] Weights, float[] Bias) FoldStandardisation(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, int taps)
    {
        int features = mean.Length, outputs = bias.Length;
        if (weights.Length != outputs * features * taps) throw new ArgumentException("weights do not match bias × features × taps");
        var w = new float[weights.Length];
        var b = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double shift = 0;
            for (int f = 0; f < features; f++)
                for (int k = 0; k < taps; k++)
                {
                    int i = (o * features + f) * taps + k;
                    double scaled = (double)weights[i] * scale[f];
                    w[i] = (float)scaled;
                    shift += scaled * mean[f];
                }
            b[o] = (float)(bias[o] - shift);
        }
        return (w, b);
    }
}

using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Onnx;

/// <summary>
/// Writes one <see cref="EmotionNet"/> or an ensemble (probabilities combined by <see cref="EnsembleWeights"/>) as a single ONNX graph with standard
/// operators: Slice/Sub/Mul (the frame shift, <see cref="FrameShift"/>), Reshape/MatMul/Gemm/Add (conv1, below), Unsqueeze, Transpose, Conv, Relu, ReduceMean, Sub/Mul/Add/Sqrt (the std pooling, temperature), Tanh/Softmax/MatMul (attentive pooling, when the net has it), Concat, Gemm, Softmax, Sum, Clip (the session members' share), Mul/MatMul/Div (the class weights, <see cref="ClassBalance"/>), Log/Add/Mul/Div/Softmax (the session-dependent temperature, <see cref="SessionTemperature"/>).
/// At batch 1 a node costs the runtime about as much as a small node's arithmetic (docs/PERFORMANCE.md, "Stop 66"), so
/// the graph spends none on what a weight can carry: scales go into the Gemms, a one-member mean is the member itself.
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
        // The members' mean; one member is itself (no Mul by 1: at batch 1 every node costs about as much as its arithmetic).
        string Mean(IEnumerable<string> parts, string name, string? output = null)
        {
            var list = parts.ToList();
            if (list.Count == 1) return output is null ? list[0] : g.Node("Identity", [list[0]], output);
            return g.Node("Mul", [g.Node("Sum", [.. list]), g.Initializer(name, [1f / list.Count], 1)], output);
        }
        var classWeights = members[0].ClassWeights;
        if (classWeights is not null && classWeights.Length != c.Classes) throw new ArgumentException("one class weight per class");
        float? isolated = members[0].IsolatedTemperature;
        // The output's stages after the members' mixture: the class weights (ClassBalance) and the session-dependent
        // temperature (SessionTemperature); the last one writes the graph's output.
        string mixture = classWeights is null && isolated is null ? Output : "mixture";
        string? share = null;
        if (outputs.Count == 1)
            g.Node("Identity", [outputs[0]], mixture);
        else if (gate == 0)
            Mean(outputs, "ensemble_scale", mixture);
        else
        {
            // EnsembleWeights in graph form: share = clip(gate · w², 0, 1) as [N, 1], session members' mean × share
            // + the others' mean × (1 − share), written others + share · (session − others). Each two-way mixture is
            // written that way, one Sub, Mul and Add, with no 1 − share node.
            int index = Pipeline.Features.FeatureSchema.SessionWeightIndex;
            var w = SliceStats(g, "gate_weight", index, index + 1);
            var squared = g.Node("Mul", [w, w]);
            share = g.Node("Clip", [g.Node("Mul", [squared, g.Initializer("session_gate", [gate], 1)]), g.Initializer("share_min", [0f]), g.Initializer("share_max", [1f])]);
            var session = Mean(outputs.Where((_, k) => configs[k].IsSessionMember), "session_members_scale");
            var cnns = outputs.Where((_, k) => !configs[k].IsSessionMember && configs[k].UseFrames).ToList();
            var statsNets = outputs.Where((_, k) => !configs[k].IsSessionMember && !configs[k].UseFrames).ToList();
            string others;
            if (members[0].SettledCnnShare is { } settled && cnns.Count > 0 && statsNets.Count > 0)
            {
                // EnsembleWeights.CnnPart: c = 0.5 + (settled − 0.5) · clip(w², 0, 1) as [N, 1]; the CNNs' mean × c + the
                // statistics nets' mean × (1 − c).
                var w2 = g.Node("Clip", [squared, g.Initializer("cnn_part_min", [0f]), g.Initializer("cnn_part_max", [1f])]);
                var part = g.Node("Add", [g.Initializer("cnn_part_start", [0.5f], 1), g.Node("Mul", [w2, g.Initializer("cnn_part_move", [settled - 0.5f], 1)])]);
                others = Toward(g, Mean(statsNets, "stats_members_scale"), Mean(cnns, "cnn_members_scale"), part);
            }
            else others = Mean(outputs.Where((_, k) => !configs[k].IsSessionMember), "other_members_scale");
            Toward(g, others, session, share, mixture);
        }
        if (isolated is { } factor)
        {
            // (w · p)^(1 / t) renormalised is softmax((log p + log w) / t): one Softmax instead of two row sums, with
            // t = f + (1 − f) · share as [N, 1] (a constant f without session members).
            string logits = g.Node("Log", [mixture]);
            if (classWeights is not null)
                logits = g.Node("Add", [logits, g.Initializer("log_class_weights", [.. classWeights.Select(w => MathF.Log(w))], c.Classes)]);
            string scaled = share is null
                ? g.Node("Mul", [logits, g.Initializer("isolated_exponent", [1 / factor], 1)])
                : g.Node("Div", [logits, g.Node("Add", [g.Initializer("isolated_temperature", [factor], 1),
                    g.Node("Mul", [share, g.Initializer("isolated_temperature_rise", [1 - factor], 1)])])]);
            g.Node("Softmax", [scaled], Output, ("axis", 1));
        }
        else if (classWeights is not null)
        {
            // Re-weighted and renormalised (ClassBalance.Apply): Mul, then Div by the row sum, taken as a MatMul with a
            // matrix of ones (a sum that needs no int64 axes input).
            var weighted = g.Node("Mul", [mixture, g.Initializer("class_weights", classWeights, c.Classes)]);
            var ones = Enumerable.Repeat(1f, c.Classes * c.Classes).ToArray();
            g.Node("Div", [weighted, g.Node("MatMul", [weighted, g.Initializer("class_row_sum", ones, c.Classes, c.Classes)])], Output);
        }
        g.Output(Output, -1, c.Classes);
        return g.ToModel("voiceemotion", metadata, "VoiceEmotion.Training", typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0");
    }

    // from + amount · (to − from): from × (1 − amount) + to × amount in three nodes; amount is [N, 1].
    private static string Toward(OnnxGraph g, string from, string to, string amount, string? output = null) =>
        g.Node("Add", [from, g.Node("Mul", [g.Node("Sub", [to, from]), amount])], output);

    /// <summary>
    /// conv1's bias less what the frame shift s (<see cref="EmotionNet.ShiftOf"/>) takes from it, b − T · s as [N, C1],
    /// T = the taps' sums [C1, F]. The window and blend shifts are linear in the statistics input (s = the window means,
    /// or the window means less the session block), so b − T · s is one Gemm over the whole input with T's columns placed
    /// where those statistics lie and zeros elsewhere: no Slice or Sub nodes. The session shift, w · statistic − block,
    /// is not linear in the input; it is built from slices.
    /// </summary>
    private static string ShiftedBias(OnnxGraph g, NetConfig c, string prefix, float[] tapSum, string bias)
    {
        int f = c.Features, s = Pipeline.Features.FeatureSchema.WindowStatisticsCount, w = Pipeline.Features.FeatureSchema.SessionWeightIndex;
        if (c.FrameShift == FrameShift.Session)
        {
            var shift = g.Node("Sub", [g.Node("Mul", [SliceStats(g, prefix + "window_means", 0, f), SliceStats(g, prefix + "session_weight", w, w + 1)]),
                SliceStats(g, prefix + "session_means", s, s + f)]);
            return g.Node("Gemm", [shift, g.Initializer(prefix + "conv1.tap_sum", tapSum, c.Channels1, f), bias], null, ("transB", 1), ("alpha", -1f));
        }
        var placed = new float[c.Channels1 * c.Stats];
        for (int o = 0; o < c.Channels1; o++)
            for (int i = 0; i < f; i++)
            {
                placed[o * c.Stats + i] = -tapSum[o * f + i];
                if (c.FrameShift == FrameShift.Blend) placed[o * c.Stats + s + i] = tapSum[o * f + i];
            }
        return g.Node("Gemm", [StatsInput, g.Initializer(prefix + "conv1.shift", placed, c.Channels1, c.Stats), bias], null, ("transB", 1));
    }

    /// <summary>
    /// conv1 and what precedes it, as [N, C1, 1, T1] after its ReLU. The first convolution has kernel = stride = K1 and no
    /// padding, so it is a matrix product over the frames as they lie: [N, T, F] read as [N, T1, K1·F] (K1 consecutive
    /// frames are K1·F contiguous values, tap-major) times W [K1·F, C1]. The frame shift s (a vector per window) passes
    /// through it as a bias: conv1(x − s) = conv1(x) − (Σ_k W_k) · s, a [N, C1] product. So the runtime makes no
    /// pass over the 300 × 81 frames but the product itself: as Sub → Transpose → strided Conv they were 46 % of the
    /// model's time (ONNX Runtime's profiler, batch 16), and with the 2-D conv2/conv3 the whole graph runs 1.7–2.0×
    /// faster at batches of 8–32 with the same outputs to 3e-8 (docs/PERFORMANCE.md, "Stop 30").
    /// </summary>
    private static string Conv1(OnnxGraph g, NetConfig c, string prefix, float[] w, float[] b)
    {
        int f = c.Features, k1 = c.Kernel1, c1 = c.Channels1, t1 = c.Time1;
        var matrix = new float[k1 * f * c1];
        var tapSum = new float[c1 * f];
        for (int o = 0; o < c1; o++)
            for (int i = 0; i < f; i++)
            {
                double sum = 0;
                for (int k = 0; k < k1; k++)
                {
                    float v = w[(o * f + i) * k1 + k];
                    matrix[(k * f + i) * c1 + o] = v;
                    sum += v;
                }
                tapSum[o * f + i] = (float)sum;
            }
        string frames = FramesInput;
        if (t1 * k1 != c.Frames)
            frames = g.Node("Slice", [frames, g.Int64Initializer(prefix + "conv1_start", [0]), g.Int64Initializer(prefix + "conv1_end", [t1 * k1]),
                g.Int64Initializer(prefix + "conv1_axis", [1])]);
        // [N, T1, K1·F]. Not [N, T1, 1, K1·F], which would spare the Unsqueeze below: the runtime's MatMul then runs as
        // T1 products of one row each, ≈ 10 % slower over the whole graph at batch 1 (docs/PERFORMANCE.md, "Stop 66").
        var patches = g.Node("Reshape", [frames, g.Int64Initializer(prefix + "conv1_patches", [0, t1, k1 * f])]);
        var x = g.Node("MatMul", [patches, g.Initializer(prefix + "conv1.w", matrix, k1 * f, c1)]);
        var bias = g.Initializer(prefix + "conv1.b", b, c1);
        if (c.FrameShift != FrameShift.None)
            bias = g.Node("Unsqueeze", [ShiftedBias(g, c, prefix, tapSum, bias), g.Int64Initializer(prefix + "conv1_bias_axes", [1])]);
        x = g.Node("Relu", [g.Node("Add", [x, bias])]);
        // [N, C1, 1, T1]: conv2 and conv3 run as 2-D convolutions of height 1.
        x = g.Node("Transpose", [x], null, ("perm", new long[] { 0, 2, 1 }));
        return g.Node("Unsqueeze", [x, g.Int64Initializer(prefix + "conv_axes", [2])]);
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
            var x = Conv1(g, c, prefix, conv1W, conv1B);
            // conv2 and conv3 over [N, C, 1, T]: the same convolutions, but as 2-D ones the runtime runs them with its blocked
            // (NCHWc) kernels, 1.1× faster than its 1-D path here. Their weights [out, in, taps] gain the height 1.
            string W2d(string name) { var d = p.Shape(name); return g.Initializer(prefix + name, p.Get(name), d[0], d[1], 1, d[2]); }
            x = g.Node("Conv", [x, W2d("conv2.w"), W("conv2.b")], null,
                ("kernel_shape", new long[] { 1, c.Kernel2 }), ("pads", new long[] { 0, c.Pad2, 0, c.Pad2 }));
            x = g.Node("Relu", [x]);
            x = g.Node("Conv", [x, W2d("conv3.w"), W("conv3.b")], null,
                ("kernel_shape", new long[] { 1, c.Kernel3 }), ("pads", new long[] { 0, c.Pad3, 0, c.Pad3 }),
                ("dilations", new long[] { 1, c.Dilation3 }));
            x = g.Node("Relu", [x]);
            joined.AddRange(c.UsesAttention ? AttentivePool(g, net, prefix, x) : MeanStdPool(g, prefix, x));
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
        // The member's temperature scales both terms of its last Gemm (alpha, beta; 1 without one) rather than its output
        // in another node.
        float inverse = 1 / net.Temperature;
        var logits = g.Node("Gemm", [h, W("out.w"), W("out.b")], null, ("transB", 1), ("alpha", inverse), ("beta", inverse));
        return g.Node("Softmax", [logits], null, ("axis", 1));
    }

    // Mean ‖ std over the time axes of conv3's output [N, C3, 1, T]: two [N, C3].
    private static string[] MeanStdPool(OnnxGraph g, string prefix, string x)
    {
        long[] time = [2, 3];
        var mean = g.Node("ReduceMean", [x], null, ("axes", time), ("keepdims", 0));
        var meanKeep = g.Node("ReduceMean", [x], null, ("axes", time), ("keepdims", 1));
        var centred = g.Node("Sub", [x, meanKeep]);
        var variance = g.Node("ReduceMean", [g.Node("Mul", [centred, centred])], null, ("axes", time), ("keepdims", 0));
        var std = g.Node("Sqrt", [g.Node("Add", [variance, g.Initializer(prefix + "std_epsilon", [1e-5f], 1)])]);
        return [mean, std];
    }

    /// <summary>
    /// <see cref="EmotionNet"/>'s attentive statistics pooling of conv3's output [N, C3, 1, T]: step scores
    /// tanh(a_t W^T + b) v^T as [N, T, 1], Softmax over T, and the weighted moments as batched MatMuls
    /// ([N, C3, T] × [N, T, 1]); std = sqrt(relu(E[a²] − mean²) + ε) as in C#. Two [N, C3].
    /// </summary>
    private static string[] AttentivePool(OnnxGraph g, EmotionNet net, string prefix, string x)
    {
        var c = net.Config;
        var p = net.Parameters;
        var a = g.Node("Reshape", [x, g.Int64Initializer(prefix + "attn_channels_time", [0, c.Channels3, -1])]);
        var steps = g.Node("Transpose", [a], null, ("perm", new long[] { 0, 2, 1 }));
        var transposed = new float[c.Channels3 * c.Attention];
        var w = p.Get("attn.w");
        for (int j = 0; j < c.Attention; j++)
            for (int ch = 0; ch < c.Channels3; ch++) transposed[ch * c.Attention + j] = w[j * c.Channels3 + ch];
        var hidden = g.Node("Tanh", [g.Node("Add", [g.Node("MatMul", [steps, g.Initializer(prefix + "attn.w", transposed, c.Channels3, c.Attention)]),
            g.Initializer(prefix + "attn.b", p.Get("attn.b"), c.Attention)])]);
        var scores = g.Node("MatMul", [hidden, g.Initializer(prefix + "attn.score.w", p.Get("attn.score.w"), c.Attention, 1)]);
        var alpha = g.Node("Softmax", [scores], null, ("axis", 1));
        var flat = g.Int64Initializer(prefix + "attn_pooled", [0, c.Channels3]);
        var mean = g.Node("MatMul", [a, alpha]);
        var square = g.Node("MatMul", [g.Node("Mul", [a, a]), alpha]);
        var variance = g.Node("Relu", [g.Node("Sub", [square, g.Node("Mul", [mean, mean])])]);
        var std = g.Node("Sqrt", [g.Node("Add", [variance, g.Initializer(prefix + "std_epsilon", [1e-5f], 1)])]);
        return [g.Node("Reshape", [mean, flat]), g.Node("Reshape", [std, flat])];
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

using System.Numerics.Tensors;

namespace VoiceEmotion.Training.Nn;

/// <summary>
/// The emotion classifier trained in plain C#: input standardisation → Conv1d(F→C1, k=s=K1) → ReLU →
/// Conv1d(C1→C2, k3, same) → ReLU → Conv1d(C2→C3, k3, dilation 2, same) → ReLU → mean ‖ std pooling over time,
/// joined with Dense(S→SH) → ReLU over the standardised window statistics, → Dense(→H) → ReLU → dropout →
/// Dense(→classes) → softmax. Forward and backward run per sample on a <see cref="Workspace"/>, one per thread.
/// </summary>
public sealed class EmotionNet
{
    private const float StdEpsilon = 1e-5f;

    public EmotionNet(NetConfig config, int seed)
    {
        Config = config;
        Parameters = new ParameterSet();
        var c = config;
        if (c.UseFrames)
        {
            Parameters.Add("conv1.w", true, c.Channels1, c.Features, c.Kernel1);
            Parameters.Add("conv1.b", false, c.Channels1);
            Parameters.Add("conv2.w", true, c.Channels2, c.Channels1, c.Kernel2);
            Parameters.Add("conv2.b", false, c.Channels2);
            Parameters.Add("conv3.w", true, c.Channels3, c.Channels2, c.Kernel3);
            Parameters.Add("conv3.b", false, c.Channels3);
        }
        if (c.UseStats)
        {
            Parameters.Add("stats.w", true, c.StatsHidden, c.Stats);
            Parameters.Add("stats.b", false, c.StatsHidden);
        }
        Parameters.Add("hidden.w", true, c.Hidden, c.JoinWidth);
        Parameters.Add("hidden.b", false, c.Hidden);
        Parameters.Add("out.w", true, c.Classes, c.Hidden);
        Parameters.Add("out.b", false, c.Classes);
        if (c.UsesAttention)
        {
            // Last, so that every other weight is drawn as without attention.
            Parameters.Add("attn.w", true, c.Attention, c.Channels3);
            Parameters.Add("attn.b", false, c.Attention);
            Parameters.Add("attn.score.w", true, 1, c.Attention);
        }
        Parameters.Allocate();

        var random = new Random(seed);
        foreach (var name in Parameters.Names)
        {
            if (!name.EndsWith(".w", StringComparison.Ordinal)) continue;
            var shape = Parameters.Shape(name);
            int fanIn = shape.Skip(1).Aggregate(1, (a, b) => a * b);
            double std = Math.Sqrt((name is "out.w" or "attn.score.w" ? 1.0 : 2.0) / fanIn);
            var w = Parameters.Get(name);
            for (int i = 0; i < w.Length; i++) w[i] = (float)(std * Sampling.Gaussian(random));
        }
        FrameMean = new float[c.Features];
        FrameScale = Enumerable.Repeat(1f, c.Features).ToArray();
        StatsMean = new float[c.Stats];
        StatsScale = Enumerable.Repeat(1f, c.Stats).ToArray();
    }

    public NetConfig Config { get; }

    /// <summary>Logits are divided by this at inference (calibration); training always uses 1.</summary>
    public float Temperature { get; set; } = 1;

    /// <summary>The ensemble's class weights (<see cref="ClassBalance"/>), set on every member after training when the
    /// recipe balances its output; null: the probabilities as the members give them. Read from the first member.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>The ensemble's output temperature for speech without a session baseline (<see cref="SessionTemperature"/>),
    /// set on every member after training when the recipe has one; null: none. Read from the first member.</summary>
    public float? IsolatedTemperature { get; set; }

    /// <summary>The ensemble's CNN part of the vote once the session baseline has full weight
    /// (<see cref="EnsembleWeights.CnnPart"/>), set on every member after training when the recipe has one; null: the
    /// members that are not session members weigh alike. Read from the first member.</summary>
    public float? SettledCnnShare { get; set; }

    public ParameterSet Parameters { get; }

    /// <summary>Everything that decides this net's output, to keep a trained net and score with it later
    /// (<see cref="Restore"/> gives a net whose every output is the same to the bit).</summary>
    public NetState Snapshot() => new(Config, [.. Parameters.Values], [.. FrameMean], [.. FrameScale], [.. StatsMean], [.. StatsScale],
        Temperature, ClassWeights is null ? null : [.. ClassWeights], IsolatedTemperature, SettledCnnShare);

    /// <summary>The net a <see cref="Snapshot"/> was taken of. Throws <see cref="ArgumentException"/> when its values do not
    /// fit its shape.</summary>
    public static EmotionNet Restore(NetState state)
    {
        var net = new EmotionNet(state.Config, seed: 0);
        if (state.Parameters.Length != net.Parameters.Count || state.FrameMean.Length != net.FrameMean.Length || state.FrameScale.Length != net.FrameScale.Length
            || state.StatsMean.Length != net.StatsMean.Length || state.StatsScale.Length != net.StatsScale.Length)
            throw new ArgumentException("the saved values do not fit the saved shape", nameof(state));
        state.Parameters.CopyTo(net.Parameters.Values, 0);
        state.FrameMean.CopyTo(net.FrameMean, 0);
        state.FrameScale.CopyTo(net.FrameScale, 0);
        state.StatsMean.CopyTo(net.StatsMean, 0);
        state.StatsScale.CopyTo(net.StatsScale, 0);
        net.Temperature = state.Temperature;
        net.ClassWeights = state.ClassWeights;
        net.IsolatedTemperature = state.IsolatedTemperature;
        net.SettledCnnShare = state.SettledCnnShare;
        return net;
    }

    /// <summary>Per-feature standardisation of the frames input: (x − mean) · scale. Folded into the exported graph.</summary>
    public float[] FrameMean { get; }
    public float[] FrameScale { get; }
    public float[] StatsMean { get; }
    public float[] StatsScale { get; }

    /// <summary>Per-thread activations, gradients and scratch.</summary>
    public sealed class Workspace
    {
        internal Workspace(EmotionNet net)
        {
            var c = net.Config;
            int t1 = c.Time1;
            X0 = new float[c.Features * c.Frames];
            Col1 = new float[t1 * c.Features * c.Kernel1];
            A1 = new float[c.Channels1 * t1];
            Col2 = new float[t1 * c.Channels1 * c.Kernel2];
            A2 = new float[c.Channels2 * t1];
            Col3 = new float[t1 * c.Channels2 * c.Kernel3];
            A3 = new float[c.Channels3 * t1];
            Join = new float[c.JoinWidth];
            StatsIn = new float[c.Stats];
            Hidden = new float[c.Hidden];
            Mask = new float[c.Hidden];
            Probabilities = new float[c.Classes];
            Gradient = new float[net.Parameters.Count];
            DA3 = new float[A3.Length];
            DCol3 = new float[Col3.Length];
            DA2 = new float[A2.Length];
            DCol2 = new float[Col2.Length];
            DA1 = new float[A1.Length];
            DJoin = new float[Join.Length];
            DHidden = new float[c.Hidden];
            DLogits = new float[c.Classes];
            int steps = c.UsesAttention ? t1 : 0;
            AttnU = new float[c.Attention * steps];
            Alpha = new float[steps];
            DAlpha = new float[steps];
            DAttnZ = new float[steps];
        }

        internal readonly float[] X0, Col1, A1, Col2, A2, Col3, A3, Join, StatsIn, Hidden, Mask;
        internal readonly float[] DA3, DCol3, DA2, DCol2, DA1, DJoin, DHidden, DLogits;
        // Attentive pooling: tanh(W a_t + b) [Ha × T1], the step weights α [T1], their gradient, and one scoring unit's
        // pre-tanh gradient [T1] (the backward pass takes the units in turn).
        internal readonly float[] AttnU, Alpha, DAlpha, DAttnZ;

        /// <summary>Output of the last forward pass.</summary>
        public float[] Probabilities { get; }

        /// <summary>Gradient accumulated by <see cref="EmotionNet.Backward"/> since the last clear.</summary>
        public float[] Gradient { get; }
    }

    public Workspace CreateWorkspace() => new(this);

    /// <summary>
    /// Forward pass of one window: <paramref name="frames"/> is [Frames × Features] (time-major, as
    /// WindowStatistics.CopyFrames writes it), <paramref name="stats"/> the window statistics. With
    /// <paramref name="augment"/> (training) dropout and SpecAugment-style masks are drawn from it.
    /// </summary>
    public void Forward(Workspace w, ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, Random? augment = null, MaskWidths? masks = null)
    {
        var c = Config;
        var p = Parameters.Values;
        int join = 0;
        if (c.UseFrames)
        {
            int t = c.Frames, f = c.Features, t1 = c.Time1;
            Span<float> offset = stackalloc float[f];
            ShiftOf(c, stats, offset);
            TensorPrimitives.Add(offset, FrameMean, offset);
            for (int i = 0; i < t; i++)
            {
                var row = frames.Slice(i * f, f);
                for (int k = 0; k < f; k++) w.X0[k * t + i] = (row[k] - offset[k]) * FrameScale[k];
            }
            if (augment is not null) Mask(w.X0, t, f, augment, masks);
            Ops.Im2Col(w.X0, f, t, c.Kernel1, c.Kernel1, 1, 0, t1, w.Col1);
            Ops.ConvReluForward(Parameters.Get(p, "conv1.w"), Parameters.Get(p, "conv1.b"), w.Col1, c.Channels1, f * c.Kernel1, t1, w.A1);
            Ops.Im2Col(w.A1, c.Channels1, t1, c.Kernel2, 1, 1, c.Pad2, t1, w.Col2);
            Ops.ConvReluForward(Parameters.Get(p, "conv2.w"), Parameters.Get(p, "conv2.b"), w.Col2, c.Channels2, c.Channels1 * c.Kernel2, t1, w.A2);
            Ops.Im2Col(w.A2, c.Channels2, t1, c.Kernel3, 1, c.Dilation3, c.Pad3, t1, w.Col3);
            Ops.ConvReluForward(Parameters.Get(p, "conv3.w"), Parameters.Get(p, "conv3.b"), w.Col3, c.Channels3, c.Channels2 * c.Kernel3, t1, w.A3);
            if (c.UsesAttention) AttentivePool(w);
            else
                for (int ch = 0; ch < c.Channels3; ch++)
                {
                    var a = w.A3.AsSpan(ch * t1, t1);
                    float mean = TensorPrimitives.Sum(a) / t1;
                    float sq = TensorPrimitives.SumOfSquares(a) / t1;
                    w.Join[ch] = mean;
                    w.Join[c.Channels3 + ch] = MathF.Sqrt(Math.Max(0, sq - mean * mean) + StdEpsilon);
                }
            join = 2 * c.Channels3;
        }
        if (c.UseStats)
        {
            TensorPrimitives.Subtract(stats[..c.Stats], StatsMean, w.StatsIn);
            TensorPrimitives.Multiply(w.StatsIn, StatsScale, w.StatsIn);
            var sh = w.Join.AsSpan(join, c.StatsHidden);
            Ops.DenseForward(Parameters.Get(p, "stats.w"), Parameters.Get(p, "stats.b"), w.StatsIn, sh);
            Ops.Relu(sh);
        }
        Ops.DenseForward(Parameters.Get(p, "hidden.w"), Parameters.Get(p, "hidden.b"), w.Join, w.Hidden);
        Ops.Relu(w.Hidden);
        if (augment is not null && c.Dropout > 0)
        {
            float keep = 1 - c.Dropout, scale = 1 / keep;
            for (int i = 0; i < c.Hidden; i++)
            {
                w.Mask[i] = augment.NextSingle() < keep ? scale : 0;
                w.Hidden[i] *= w.Mask[i];
            }
        }
        else w.Mask.AsSpan().Fill(1);
        Ops.DenseForward(Parameters.Get(p, "out.w"), Parameters.Get(p, "out.b"), w.Hidden, w.Probabilities);
        if (augment is null && Temperature != 1) TensorPrimitives.Multiply(w.Probabilities, 1 / Temperature, w.Probabilities);
        Ops.Softmax(w.Probabilities);
    }

    /// <summary>Cross-entropy with label smoothing for the last forward pass; accumulates the gradient. Returns the loss.
    /// With <paramref name="partner"/> (mixup) the target is (1 − <paramref name="partnerShare"/>) of <paramref name="label"/>
    /// and <paramref name="partnerShare"/> of <paramref name="partner"/>, smoothed. With <paramref name="teacher"/>
    /// probabilities (distillation) they take the share <paramref name="teacherShare"/> of the target.
    /// <paramref name="hiddenGradient"/> (speaker-adversarial training) is added to the gradient at the hidden layer's output.</summary>
    public float Backward(Workspace w, int label, float smoothing, float weight = 1f, int partner = -1, float partnerShare = 0,
        ReadOnlySpan<float> teacher = default, float teacherShare = 0, ReadOnlySpan<float> hiddenGradient = default)
    {
        var c = Config;
        var p = Parameters.Values;
        var g = w.Gradient;
        float off = smoothing / c.Classes, loss = 0;
        if (partner < 0) partnerShare = 0;
        for (int k = 0; k < c.Classes; k++)
        {
            float target = off + (1 - smoothing) * ((k == label ? 1 - partnerShare : 0) + (k == partner ? partnerShare : 0));
            if (!teacher.IsEmpty) target = (1 - teacherShare) * target + teacherShare * teacher[k];
            loss -= target * MathF.Log(Math.Max(w.Probabilities[k], 1e-12f));
            w.DLogits[k] = (w.Probabilities[k] - target) * weight;
        }
        Ops.DenseBackward(Parameters.Get(p, "out.w"), w.Hidden, w.DLogits, Slice(g, "out.w"), Slice(g, "out.b"), w.DHidden.AsSpan().Cleared());
        if (!hiddenGradient.IsEmpty) TensorPrimitives.Add(w.DHidden, hiddenGradient, w.DHidden);
        for (int i = 0; i < c.Hidden; i++) if (w.Hidden[i] <= 0) w.DHidden[i] = 0; else w.DHidden[i] *= w.Mask[i];
        Ops.DenseBackward(Parameters.Get(p, "hidden.w"), w.Join, w.DHidden, Slice(g, "hidden.w"), Slice(g, "hidden.b"), w.DJoin.AsSpan().Cleared());

        int join = 0;
        if (c.UseFrames)
        {
            int t1 = c.Time1;
            if (c.UsesAttention) AttentivePoolBackward(w, g);
            else
                for (int ch = 0; ch < c.Channels3; ch++)
                {
                    float mean = w.Join[ch], std = w.Join[c.Channels3 + ch];
                    float dMean = w.DJoin[ch] / t1, dStd = w.DJoin[c.Channels3 + ch] / (t1 * std);
                    var a = w.A3.AsSpan(ch * t1, t1);
                    var da = w.DA3.AsSpan(ch * t1, t1);
                    for (int t = 0; t < t1; t++) da[t] = dMean + dStd * (a[t] - mean);
                }
            Ops.ConvReluBackward(w.A3, w.DA3, Parameters.Get(p, "conv3.w"), w.Col3, c.Channels3, c.Channels2 * c.Kernel3, t1, Slice(g, "conv3.w"), Slice(g, "conv3.b"), w.DCol3);
            w.DA2.AsSpan().Clear();
            Ops.Col2ImAdd(w.DCol3, c.Channels2, t1, c.Kernel3, 1, c.Dilation3, c.Pad3, t1, w.DA2);
            Ops.ConvReluBackward(w.A2, w.DA2, Parameters.Get(p, "conv2.w"), w.Col2, c.Channels2, c.Channels1 * c.Kernel2, t1, Slice(g, "conv2.w"), Slice(g, "conv2.b"), w.DCol2);
            w.DA1.AsSpan().Clear();
            Ops.Col2ImAdd(w.DCol2, c.Channels1, t1, c.Kernel2, 1, 1, c.Pad2, t1, w.DA1);
            Ops.ConvReluBackward(w.A1, w.DA1, Parameters.Get(p, "conv1.w"), w.Col1, c.Channels1, c.Features * c.Kernel1, t1, Slice(g, "conv1.w"), Slice(g, "conv1.b"), []);
            join = 2 * c.Channels3;
        }
        if (c.UseStats)
        {
            var sh = w.Join.AsSpan(join, c.StatsHidden);
            var dsh = w.DJoin.AsSpan(join, c.StatsHidden);
            for (int i = 0; i < sh.Length; i++) if (sh[i] <= 0) dsh[i] = 0;
            Ops.DenseBackward(Parameters.Get(p, "stats.w"), w.StatsIn, dsh, Slice(g, "stats.w"), Slice(g, "stats.b"), []);
        }
        return loss;
    }

    /// <summary>
    /// Attentive statistics pooling of conv3's output a [C3 × T1] into Join: scores e_t = v · tanh(W a_t + b), weights
    /// α = softmax over t, mean_c = Σ α_t a_ct, std_c = sqrt(Σ α_t a_ct² − mean_c² + ε). With equal scores it is the
    /// plain mean ‖ std.
    /// </summary>
    private void AttentivePool(Workspace w)
    {
        var c = Config;
        var p = Parameters.Values;
        int t1 = c.Time1, ha = c.Attention, c3 = c.Channels3;
        var weights = Parameters.Get(p, "attn.w");
        var bias = Parameters.Get(p, "attn.b");
        var score = Parameters.Get(p, "attn.score.w");
        var alpha = w.Alpha.AsSpan();
        alpha.Clear();
        for (int j = 0; j < ha; j++)
        {
            var u = w.AttnU.AsSpan(j * t1, t1);
            u.Fill(bias[j]);
            for (int ch = 0; ch < c3; ch++)
                TensorPrimitives.MultiplyAdd(w.A3.AsSpan(ch * t1, t1), weights[j * c3 + ch], u, u);
            TensorPrimitives.Tanh(u, u);
            TensorPrimitives.MultiplyAdd(u, score[j], alpha, alpha);
        }
        Ops.Softmax(alpha);
        Span<float> weighted = stackalloc float[t1];
        for (int ch = 0; ch < c3; ch++)
        {
            var a = w.A3.AsSpan(ch * t1, t1);
            TensorPrimitives.Multiply(a, alpha, weighted);
            float mean = TensorPrimitives.Sum(weighted);
            float sq = TensorPrimitives.Dot(weighted, a);
            w.Join[ch] = mean;
            w.Join[c3 + ch] = MathF.Sqrt(Math.Max(0, sq - mean * mean) + StdEpsilon);
        }
    }

    /// <summary>The adjoint of <see cref="AttentivePool"/>: from the gradient at Join to DA3 and the attention weights' gradients.</summary>
    private void AttentivePoolBackward(Workspace w, float[] g)
    {
        var c = Config;
        var p = Parameters.Values;
        int t1 = c.Time1, ha = c.Attention, c3 = c.Channels3;
        var alpha = w.Alpha.AsSpan();
        var dAlpha = w.DAlpha.AsSpan();
        dAlpha.Clear();
        // Through the weighted moments: ∂mean_c/∂a_ct = α_t, ∂std_c/∂a_ct = α_t (a_ct − mean_c) / std_c;
        // ∂mean_c/∂α_t = a_ct, ∂std_c/∂α_t = (a_ct² − 2 mean_c a_ct) / (2 std_c).
        for (int ch = 0; ch < c3; ch++)
        {
            float mean = w.Join[ch], std = w.Join[c3 + ch];
            float dMean = w.DJoin[ch], dStd = w.DJoin[c3 + ch] / std;
            var a = w.A3.AsSpan(ch * t1, t1);
            var da = w.DA3.AsSpan(ch * t1, t1);
            for (int t = 0; t < t1; t++)
            {
                da[t] = alpha[t] * (dMean + dStd * (a[t] - mean));
                dAlpha[t] += dMean * a[t] + 0.5f * dStd * a[t] * (a[t] - 2 * mean);
            }
        }
        // Through the softmax: ∂L/∂e_t = α_t (∂L/∂α_t − Σ_τ α_τ ∂L/∂α_τ), kept in dAlpha.
        float centre = TensorPrimitives.Dot(alpha, dAlpha);
        for (int t = 0; t < t1; t++) dAlpha[t] = alpha[t] * (dAlpha[t] - centre);
        var weights = Parameters.Get(p, "attn.w");
        var score = Parameters.Get(p, "attn.score.w");
        var dWeights = Slice(g, "attn.w");
        var dBias = Slice(g, "attn.b");
        var dScore = Slice(g, "attn.score.w");
        for (int j = 0; j < ha; j++)
        {
            var u = w.AttnU.AsSpan(j * t1, t1);
            var dz = w.DAttnZ.AsSpan();
            dScore[j] += TensorPrimitives.Dot(dAlpha, u);
            // dz = de · v_j · (1 − u²)
            for (int t = 0; t < t1; t++) dz[t] = dAlpha[t] * score[j] * (1 - u[t] * u[t]);
            dBias[j] += TensorPrimitives.Sum(dz);
            for (int ch = 0; ch < c3; ch++)
            {
                var a = w.A3.AsSpan(ch * t1, t1);
                dWeights[j * c3 + ch] += TensorPrimitives.Dot(dz, a);
                TensorPrimitives.MultiplyAdd(dz, weights[j * c3 + ch], w.DA3.AsSpan(ch * t1, t1), w.DA3.AsSpan(ch * t1, t1));
            }
        }
    }

    /// <summary>
    /// The vector <see cref="NetConfig.FrameShift"/> subtracts from every frame, from the raw statistics input:
    /// window means are its first F values; the session block holds w · (statistic − baseline) and w is its last value,
    /// so w · baseline = w · statistic − block, and the blend (1 − w) · statistic + w · baseline = statistic − block.
    /// </summary>
    public static void ShiftOf(NetConfig config, ReadOnlySpan<float> stats, Span<float> shift)
    {
        int f = config.Features, s = Pipeline.Features.FeatureSchema.WindowStatisticsCount;
        switch (config.FrameShift)
        {
            case FrameShift.None:
                shift[..f].Clear();
                break;
            case FrameShift.Window:
                stats[..f].CopyTo(shift);
                break;
            case FrameShift.Session:
                float weight = stats[Pipeline.Features.FeatureSchema.SessionWeightIndex];
                for (int k = 0; k < f; k++) shift[k] = weight * stats[k] - stats[s + k];
                break;
            case FrameShift.Blend:
                // statistic − w · (statistic − baseline) = (1 − w) · statistic + w · baseline.
                for (int k = 0; k < f; k++) shift[k] = stats[k] - stats[s + k];
                break;
        }
    }

    /// <summary>Probabilities for one window (no augmentation).</summary>
    public void Predict(Workspace w, ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, Span<float> probabilities)
    {
        Forward(w, frames, stats);
        w.Probabilities.CopyTo(probabilities);
    }

    private Span<float> Slice(float[] gradient, string name) => gradient.AsSpan(Parameters.Offset(name), Parameters.Size(name));

    /// <summary>The shipped masks: up to 20 frames (0.2 s) and up to 8 features, each at most a tenth of the input.</summary>
    public static readonly MaskWidths ShippedMasks = new(20, 8);

    // SpecAugment-style: two time masks and two feature masks, set to the standardised mean (0). Widths are drawn from
    // 0 … the widest: the shipped ones capped at a tenth of the input (tiny inputs), or the recipe's capped at half.
    private static void Mask(float[] x0, int frames, int features, Random random, MaskWidths? masks)
    {
        var (widest, divisor) = masks is { } given ? (given, 2) : (ShippedMasks, 10);
        int widestTime = Math.Min(widest.Frames, frames / divisor), widestFeatures = Math.Min(widest.Features, features / divisor);
        for (int k = 0; k < 2; k++)
        {
            int width = random.Next(0, widestTime + 1), start = random.Next(0, frames - width + 1);
            for (int i = 0; i < features; i++) x0.AsSpan(i * frames + start, width).Clear();
        }
        for (int k = 0; k < 2; k++)
        {
            int width = random.Next(0, widestFeatures + 1), start = random.Next(0, features - width + 1);
            x0.AsSpan(start * frames, width * frames).Clear();
        }
    }

}

internal static class SpanExtensions
{
    public static Span<float> Cleared(this Span<float> span)
    {
        span.Clear();
        return span;
    }
}

/// <summary>The widest SpecAugment-style masks drawn in training: frames of time, features of the frame vector.</summary>
public readonly record struct MaskWidths(int Frames, int Features);

/// <summary>A trained <see cref="EmotionNet"/> as values (<see cref="EmotionNet.Snapshot"/>).</summary>
public sealed record NetState(NetConfig Config, float[] Parameters, float[] FrameMean, float[] FrameScale, float[] StatsMean, float[] StatsScale,
    float Temperature, float[]? ClassWeights, float? IsolatedTemperature, float? SettledCnnShare = null);

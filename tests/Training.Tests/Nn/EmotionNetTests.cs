using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Tests.Nn;

public sealed class EmotionNetTests
{
    internal static readonly NetConfig Tiny = new()
    {
        Frames = 16, Features = 5, Stats = 7, Classes = 3,
        Channels1 = 4, Kernel1 = 4, Channels2 = 5, Kernel2 = 3, Channels3 = 6, Kernel3 = 3, Dilation3 = 2,
        StatsHidden = 4, Hidden = 8, Dropout = 0,
    };

    public static TheoryData<string> Variants() => new() { "both", "frames-only", "stats-only", "attention" };

    private static NetConfig Variant(string name) => name switch
    {
        "frames-only" => Tiny with { StatsHidden = 0 },
        "stats-only" => Tiny with { UseFrames = false },
        "attention" => Tiny with { Attention = 3 },
        _ => Tiny,
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void AnalyticGradientsMatchFiniteDifferences(string variant)
    {
        var config = Variant(variant);
        var net = new EmotionNet(config, seed: 3);
        var random = new Random(5);
        var frames = RandomArray(config.Frames * config.Features, random);
        var stats = RandomArray(config.Stats, random);
        for (int i = 0; i < config.Features; i++) { net.FrameMean[i] = 0.1f * i; net.FrameScale[i] = 1.5f; }
        var w = net.CreateWorkspace();
        const int label = 1;
        net.Forward(w, frames, stats);
        net.Backward(w, label, smoothing: 0.1f);
        var analytic = (float[])w.Gradient.Clone();

        float Loss()
        {
            net.Forward(w, frames, stats);
            float off = 0.1f / config.Classes, loss = 0;
            for (int k = 0; k < config.Classes; k++)
                loss -= (k == label ? 1 - 0.1f + off : off) * MathF.Log(w.Probabilities[k]);
            return loss;
        }

        var values = net.Parameters.Values;
        int checkedCount = 0, bad = 0;
        foreach (var name in net.Parameters.Names)
        {
            int offset = net.Parameters.Offset(name), size = net.Parameters.Size(name);
            for (int j = 0; j < size; j += Math.Max(1, size / 12))
            {
                int i = offset + j;
                float saved = values[i];
                const float h = 1e-2f;
                values[i] = saved + h; float up = Loss();
                values[i] = saved - h; float down = Loss();
                values[i] = saved;
                float numeric = (up - down) / (2 * h);
                checkedCount++;
                if (Math.Abs(numeric - analytic[i]) > 2e-3f + 0.05f * Math.Abs(numeric)) bad++;
            }
        }
        // ReLU kinks make a rare finite difference straddle a corner; demand almost all to agree.
        Assert.True(bad <= checkedCount / 50, $"{bad} of {checkedCount} gradients disagree ({variant})");
        Assert.True(checkedCount > 40);
    }

    [Fact]
    public void EachFrameShiftIsWhatItsNameSaysOfTheStatisticsInput()
    {
        // The statistics input as the live session writes it: window statistics (frame means first), then the session
        // block w · (statistic − baseline), then w.
        int f = Pipeline.Features.FeatureSchema.FrameFeatureCount, s = Pipeline.Features.FeatureSchema.WindowStatisticsCount;
        var config = new NetConfig { Features = f, Stats = Pipeline.Features.FeatureSchema.WindowFeatureCount, Classes = 3 };
        var random = new Random(4);
        var means = RandomArray(f, random);
        var baseline = RandomArray(f, random);
        float[] Shift(FrameShift kind, float w)
        {
            var stats = new float[config.Stats];
            means.CopyTo(stats, 0);
            for (int k = 0; k < f; k++) stats[s + k] = w * (means[k] - baseline[k]);
            stats[s + s] = w;
            var shift = new float[f];
            EmotionNet.ShiftOf(config with { FrameShift = kind }, stats, shift);
            return shift;
        }
        for (int k = 0; k < f; k++)
        {
            Assert.Equal(0f, Shift(FrameShift.None, 0.4f)[k]);
            Assert.Equal(means[k], Shift(FrameShift.Window, 0.4f)[k]);
            Assert.Equal(0.4f * baseline[k], Shift(FrameShift.Session, 0.4f)[k], 5);
            // Blend: the window's means with no baseline, the baseline's at full weight, and between them by w.
            Assert.Equal(means[k], Shift(FrameShift.Blend, 0)[k]);
            Assert.Equal(baseline[k], Shift(FrameShift.Blend, 1)[k], 5);
            Assert.Equal(0.6f * means[k] + 0.4f * baseline[k], Shift(FrameShift.Blend, 0.4f)[k], 5);
        }
        // A session shift at weight 0 leaves the frames' absolute level in; a blend never does.
        Assert.All(Shift(FrameShift.Session, 0), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void AttentivePoolingWithEqualScoresIsThePlainMeanAndStdAndOtherwiseWeighsTheSteps()
    {
        var plain = new EmotionNet(Tiny, seed: 7);
        var attentive = new EmotionNet(Tiny with { Attention = 4 }, seed: 7);
        // Attention's weights come last, so every other weight is drawn as without it.
        Assert.Equal(plain.Parameters.Values, attentive.Parameters.Values.AsSpan(0, plain.Parameters.Count).ToArray());
        var random = new Random(9);
        var frames = RandomArray(Tiny.Frames * Tiny.Features, random);
        var stats = RandomArray(Tiny.Stats, random);
        var expected = new float[Tiny.Classes];
        var plainWorkspace = plain.CreateWorkspace();
        plain.Predict(plainWorkspace, frames, stats, expected);
        int pooled = 2 * Tiny.Channels3;
        Assert.Contains(plainWorkspace.A3, v => v > 0);

        attentive.Parameters.Get("attn.score.w").Clear();
        var same = new float[Tiny.Classes];
        var workspace = attentive.CreateWorkspace();
        attentive.Predict(workspace, frames, stats, same);
        for (int k = 0; k < Tiny.Classes; k++) Assert.Equal(expected[k], same[k], 5);
        for (int i = 0; i < pooled; i++) Assert.Equal(plainWorkspace.Join[i], workspace.Join[i], 5);

        // Scores that differ by step weigh the steps: the pooled mean is no longer the plain one, and stays inside the
        // range of its channel's values (a weighted mean).
        attentive.Parameters.Get("attn.score.w").Fill(3f);
        attentive.Predict(workspace, frames, stats, same);
        Assert.True(Enumerable.Range(0, pooled).Max(i => Math.Abs(workspace.Join[i] - plainWorkspace.Join[i])) > 1e-3f);
        Assert.True(workspace.Alpha.Max() > workspace.Alpha.Min() + 1e-3f);
        Assert.Equal(1f, workspace.Alpha.Sum(), 5);
        int t1 = Tiny.Time1;
        for (int ch = 0; ch < Tiny.Channels3; ch++)
        {
            var values = workspace.A3.AsSpan(ch * t1, t1).ToArray();
            Assert.InRange(workspace.Join[ch], values.Min() - 1e-6f, values.Max() + 1e-6f);
        }
    }

    [Fact]
    public void LearnsASeparableTaskAndIsDeterministicForASeed()
    {
        var config = Tiny with { Dropout = 0.1f };
        var source = new ToySource(config, 240, seed: 9);
        float[] Train(int threads)
        {
            var net = new EmotionNet(config, seed: 1);
            var losses = new List<float>();
            var trainer = new Trainer(net, new TrainOptions { Epochs = 25, PassesPerEpoch = 1, ExamplesPerEpoch = 240, BatchSize = 16, LearningRate = 1e-2f, Threads = threads, Seed = 4 })
            {
                EpochDone = (_, loss, _) => losses.Add(loss),
            };
            trainer.Train(source);
            Assert.True(losses[^1] < losses[0] * 0.5f, $"loss {losses[0]} → {losses[^1]}");
            int correct = Correct(net, source);
            Assert.True(correct >= source.Count * 0.95, $"{correct}/{source.Count} correct");
            return (float[])net.Parameters.Values.Clone();
        }
        var first = Train(threads: 2);
        var second = Train(threads: 2);
        Assert.Equal(first, second);
        Train(threads: 1);
    }

    [Fact]
    public void WeightAveragingEndsOnTheAverageOfTheStepsAndStillLearns()
    {
        var config = Tiny with { Dropout = 0.1f };
        var source = new ToySource(config, 240, seed: 9);
        var options = new TrainOptions { Epochs = 12, PassesPerEpoch = 1, ExamplesPerEpoch = 240, BatchSize = 16, LearningRate = 1e-2f, Threads = 2, Seed = 4 };
        var plain = new EmotionNet(config, seed: 1);
        var averaged = new EmotionNet(config, seed: 1);
        var reported = new List<float[]>();
        new Trainer(plain, options).Train(source);
        new Trainer(averaged, options with { EmaDecay = 0.95f })
        {
            EpochDone = (_, _, _) => reported.Add((float[])averaged.Parameters.Values.Clone()),
        }.Train(source);

        // Same steps, so the average lags the last step: the weights differ but stay close to the plain run's.
        Assert.NotEqual(plain.Parameters.Values, averaged.Parameters.Values);
        float distance = System.Numerics.Tensors.TensorPrimitives.Distance(plain.Parameters.Values, averaged.Parameters.Values);
        Assert.True(distance < 0.5f * System.Numerics.Tensors.TensorPrimitives.Norm(plain.Parameters.Values), $"distance {distance}");
        // Epoch reports see the average, and training ends on the last one reported.
        Assert.Equal(reported[^1], averaged.Parameters.Values);
        Assert.NotEqual(reported[^2], reported[^1]);

        int correct = Correct(averaged, source);
        Assert.True(correct >= source.Count * 0.9, $"{correct}/{source.Count} correct");
    }

    private delegate float[] GradientOf(Func<float> backward, out float loss);

    /// <summary>A net, its workspace and a function giving the gradient (and loss) of one backward pass after a fresh
    /// forward pass over the same random window: for comparing the gradients of different targets.</summary>
    private static (EmotionNet Net, EmotionNet.Workspace W, GradientOf Gradient) GradientProbe()
    {
        var net = new EmotionNet(Tiny, seed: 3);
        var random = new Random(8);
        var frames = RandomArray(Tiny.Frames * Tiny.Features, random);
        var stats = RandomArray(Tiny.Stats, random);
        var w = net.CreateWorkspace();
        return (net, w, (Func<float> backward, out float loss) =>
        {
            w.Gradient.AsSpan().Clear();
            net.Forward(w, frames, stats);
            loss = backward();
            return (float[])w.Gradient.Clone();
        });
    }

    [Fact]
    public void AMixedTargetsGradientIsTheBlendOfItsTwoLabelsGradients()
    {
        var (net, w, Gradient) = GradientProbe();
        var a = Gradient(() => net.Backward(w, 0, 0.1f), out float lossA);
        var b = Gradient(() => net.Backward(w, 2, 0.1f), out float lossB);
        var mixed = Gradient(() => net.Backward(w, 0, 0.1f, 1f, partner: 2, partnerShare: 0.3f), out float lossMixed);
        // Cross-entropy is linear in the target: the blend of targets gives the blend of losses and gradients.
        Assert.Equal(0.7f * lossA + 0.3f * lossB, lossMixed, 4);
        for (int i = 0; i < mixed.Length; i++) Assert.Equal(0.7f * a[i] + 0.3f * b[i], mixed[i], 4);
        Assert.NotEqual(a, mixed);
        // No partner: the share is ignored, the plain target stands.
        Assert.Equal(a, Gradient(() => net.Backward(w, 0, 0.1f, 1f, partner: -1, partnerShare: 0.3f), out _));
    }

    [Fact]
    public void ATeachersShareOfTheTargetBlendsItsProbabilitiesIntoTheGradient()
    {
        var (net, w, Gradient) = GradientProbe();
        var label = Gradient(() => net.Backward(w, 0, 0.1f), out float lossLabel);
        var sure = Gradient(() => net.Backward(w, 2, 0f), out float lossSure);
        float[] teacher = [0f, 0f, 1f];
        var taught = Gradient(() => net.Backward(w, 0, 0.1f, teacher: teacher, teacherShare: 0.4f), out float lossTaught);
        // A teacher sure of class 2 at share 0.4 is 0.6 of the smoothed label's target and 0.4 of an unsmoothed class 2.
        Assert.Equal(0.6f * lossLabel + 0.4f * lossSure, lossTaught, 4);
        for (int i = 0; i < taught.Length; i++) Assert.Equal(0.6f * label[i] + 0.4f * sure[i], taught[i], 4);
        Assert.NotEqual(label, taught);
        // Share 0: the teacher is ignored.
        Assert.Equal(label, Gradient(() => net.Backward(w, 0, 0.1f, teacher: teacher, teacherShare: 0), out _));
    }

    [Fact]
    public void AStudentLearnsWhatItsTeachersSayInTheShareItIsGiven()
    {
        var config = Tiny with { Dropout = 0.1f };
        var source = new ToySource(config, 240, seed: 9);
        var options = new TrainOptions { Epochs = 25, PassesPerEpoch = 2, BatchSize = 16, LearningRate = 1e-2f, Threads = 2, Seed = 4 };
        // The teacher learnt a different naming of the classes (each label moved on by one): a student that follows
        // it disagrees with its own labels, so what it learns shows whose targets it trained on.
        var teacher = new EmotionNet(config, seed: 5);
        new Trainer(teacher, options with { Seed = 6 }).Train(new RenamedSource(source, config.Classes));
        EmotionNet Student(float share)
        {
            var net = new EmotionNet(config, seed: 1);
            new Trainer(net, options with { TeacherShare = share }) { Teachers = [teacher] }.Train(source);
            return net;
        }
        var follower = Student(1);
        Assert.True(Correct(follower, new RenamedSource(source, config.Classes)) >= source.Count * 0.9, "a student at share 1 names the classes as its teacher does");
        Assert.Equal(follower.Parameters.Values, Student(1).Parameters.Values);

        // At share 0 the teacher changes nothing: the same weights as training without one.
        var plain = new EmotionNet(config, seed: 1);
        new Trainer(plain, options).Train(source);
        Assert.Equal(plain.Parameters.Values, Student(0).Parameters.Values);
        Assert.True(Correct(plain, source) >= source.Count * 0.9);
    }

    /// <summary>The same examples with every label moved on by one class.</summary>
    private sealed class RenamedSource(IExampleSource inner, int classes) : IExampleSource
    {
        public int Count => inner.Count;

        public int Fill(int index, Span<float> frames, Span<float> stats) => (inner.Fill(index, frames, stats) + 1) % classes;
    }

    [Fact]
    public void MixupTrainingIsDeterministicStillLearnsAndChangesTheWeights()
    {
        var config = Tiny with { Dropout = 0.1f };
        var source = new ToySource(config, 240, seed: 9);
        var options = new TrainOptions { Epochs = 25, PassesPerEpoch = 1, ExamplesPerEpoch = 240, BatchSize = 16, LearningRate = 1e-2f, Threads = 2, Seed = 4 };
        float[] Train(TrainOptions o)
        {
            var net = new EmotionNet(config, seed: 1);
            new Trainer(net, o).Train(source);
            int correct = Correct(net, source);
            Assert.True(correct >= source.Count * 0.9, $"{correct}/{source.Count} correct with mixup {o.Mixup}");
            return (float[])net.Parameters.Values.Clone();
        }
        var mixed = Train(options with { Mixup = 0.4f });
        Assert.Equal(mixed, Train(options with { Mixup = 0.4f }));
        Assert.NotEqual(Train(options), mixed);
    }

    /// <summary>How many of the source's examples the net classifies right.</summary>
    internal static int Correct(EmotionNet net, IExampleSource source)
    {
        var w = net.CreateWorkspace();
        var frames = new float[net.Config.Frames * net.Config.Features];
        var stats = new float[net.Config.Stats];
        int correct = 0;
        for (int i = 0; i < source.Count; i++)
        {
            int label = source.Fill(i, frames, stats);
            net.Forward(w, frames, stats);
            if (Array.IndexOf(w.Probabilities, w.Probabilities.Max()) == label) correct++;
        }
        return correct;
    }

    private static float[] RandomArray(int n, Random random) =>
        Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    /// <summary>Three classes told apart by which feature rises over time, plus a class hint in one statistic.</summary>
    [Fact]
    public void TheFirstPassLossIsTheLossOfExamplesNotYetTrainedOnInTheirEpoch()
    {
        var config = Tiny with { Dropout = 0.1f };
        var source = new ToySource(config, 240, seed: 9);
        List<(float Mean, float First)> Run(int passes)
        {
            var epochs = new List<(float, float)>();
            new Trainer(new EmotionNet(config, seed: 1), new TrainOptions { Epochs = 3, PassesPerEpoch = passes, BatchSize = 16, LearningRate = 1e-2f, Seed = 4 })
            {
                EpochDone = (_, mean, first) => epochs.Add((mean, first)),
            }.Train(source);
            return epochs;
        }
        // One pass: the mean over passes is the first pass.
        Assert.All(Run(1), e => Assert.Equal(e.First, e.Mean, 6));
        // Several passes over the same examples while the net is still learning (first epoch, high rate): the later
        // passes have trained on them, so the mean over passes is below the first pass's loss.
        var (mean, first) = Run(4)[0];
        Assert.True(mean < first, $"mean over passes {mean} vs first pass {first}");
    }

    [Fact]
    public void MasksAreAsWideAsTheRecipeAllowsAndTheShippedOnesUnchanged()
    {
        // The shipped input shape (300 frames × 81 features), frames that are never 0 once standardised: a masked frame
        // (every feature of one time step) or a masked feature (one feature over all frames) is all zeros.
        var config = new NetConfig { FrameShift = FrameShift.None };
        var net = new EmotionNet(config, seed: 1);
        var w = net.CreateWorkspace();
        var frames = Enumerable.Repeat(1f, config.Frames * config.Features).ToArray();
        var stats = new float[config.Stats];
        (int Frames, int Features) Masked(int draw, MaskWidths? masks)
        {
            net.Forward(w, frames, stats, new Random(draw), masks);
            int time = Enumerable.Range(0, config.Frames).Count(t => Enumerable.Range(0, config.Features).All(f => w.X0[f * config.Frames + t] == 0));
            int features = Enumerable.Range(0, config.Features).Count(f => w.X0.AsSpan(f * config.Frames, config.Frames).IndexOfAnyExcept(0f) < 0);
            return (time, features);
        }
        var shipped = Enumerable.Range(0, 300).Select(d => Masked(d, null)).ToList();
        var wider = Enumerable.Range(0, 300).Select(d => Masked(d, new MaskWidths(40, 16))).ToList();
        // Two masks of each kind: at most twice the widest; the wider masks reach beyond what the shipped ones can.
        Assert.All(shipped, m => Assert.True(m.Frames <= 40 && m.Features <= 16, $"shipped masks {m}"));
        Assert.All(wider, m => Assert.True(m.Frames <= 80 && m.Features <= 32, $"wider masks {m}"));
        Assert.Contains(wider, m => m.Frames > 40);
        Assert.Contains(wider, m => m.Features > 16);
        // On average about twice as much is masked (widths are drawn uniformly from 0 to the widest).
        Assert.InRange(wider.Average(m => m.Frames) / shipped.Average(m => m.Frames), 1.6, 2.4);
        Assert.InRange(wider.Average(m => m.Features) / shipped.Average(m => m.Features), 1.6, 2.4);
        // The shipped widths given explicitly mask exactly what the default masks (same draws, same widths).
        Assert.Equal(shipped, Enumerable.Range(0, 300).Select(d => Masked(d, EmotionNet.ShippedMasks)).ToList());
    }

    private sealed class ToySource(NetConfig config, int count, int seed) : IExampleSource
    {
        public int Count => count;

        public int Fill(int index, Span<float> frames, Span<float> stats)
        {
            var random = new Random(seed * 1000 + index);
            int label = index % config.Classes;
            for (int t = 0; t < config.Frames && !frames.IsEmpty; t++)
                for (int f = 0; f < config.Features; f++)
                    frames[t * config.Features + f] = (float)(random.NextDouble() - 0.5) * 0.5f + (f == label ? t / (float)config.Frames : 0);
            for (int s = 0; s < config.Stats; s++) stats[s] = (float)(random.NextDouble() - 0.5) + (s == label ? 1 : 0);
            return label;
        }
    }
}

using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Tests.Nn;

public sealed class SpeakerAdversaryTests
{
    [Fact]
    public void TheHiddenLayersGradientIsThatOfTheCrossEntropyWithUniformSpeakers()
    {
        const int hidden = 6, speakers = 4;
        const float lambda = 0.7f;
        var adversary = new SpeakerAdversary(hidden, speakers, strength: 1, threads: 1, seed: 3);
        var random = new Random(2);
        var h = Enumerable.Range(0, hidden).Select(_ => (float)random.NextDouble() * 2).ToArray();
        var analytic = new float[hidden];
        adversary.BeginShard(0);
        adversary.Example(0, h, speaker: 1, lambda, analytic);

        // λ · CE(uniform, p(h)), with p read back through the adversary's own loss: CE with each speaker in turn, averaged.
        double Confusion(float[] x)
        {
            double sum = 0;
            var scratch = new float[hidden];
            for (int k = 0; k < speakers; k++)
            {
                adversary.BeginShard(0);
                adversary.Example(0, x, k, 0, scratch);
                sum += adversary.ShardLoss(0);
            }
            return lambda * sum / speakers;
        }

        for (int i = 0; i < hidden; i++)
        {
            var up = (float[])h.Clone();
            var down = (float[])h.Clone();
            const float step = 1e-3f;
            up[i] += step;
            down[i] -= step;
            double numeric = (Confusion(up) - Confusion(down)) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic[i]) < 2e-3 + 0.02 * Math.Abs(numeric), $"input {i}: numeric {numeric}, analytic {analytic[i]}");
        }
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3); // not trivially zero
    }

    [Fact]
    public void TheAdversaryLearnsSpeakersItCanTellApart()
    {
        const int hidden = 8, speakers = 4;
        var adversary = new SpeakerAdversary(hidden, speakers, strength: 1, threads: 1, seed: 5);
        var random = new Random(7);
        var scratch = new float[hidden];
        int correct = 0;
        for (int batch = 0; batch < 200; batch++)
        {
            adversary.BeginShard(0);
            for (int i = 0; i < 16; i++)
            {
                int speaker = random.Next(speakers);
                // Each speaker lifts its own two hidden units.
                var h = Enumerable.Range(0, hidden).Select(j => (float)random.NextDouble() * 0.5f + (j / 2 == speaker ? 1 : 0)).ToArray();
                adversary.Example(0, h, speaker, 0.5f, scratch);
            }
            var (_, right) = adversary.Step(16, 1e-2f, 0);
            if (batch >= 150) correct += right;
        }
        Assert.True(correct > 0.9 * 50 * 16, $"{correct} of {50 * 16} speakers right in the last 50 batches");
    }

    [Fact]
    public void ItNeedsTwoSpeakers() =>
        Assert.Throws<ArgumentException>(() => new SpeakerAdversary(8, 1, strength: 1, threads: 1, seed: 1));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void LambdaRampsFromZeroToTheStrength(double progress)
    {
        var adversary = new SpeakerAdversary(4, 2, strength: 0.8f, threads: 1, seed: 1);
        float lambda = adversary.Lambda(progress);
        Assert.InRange(lambda, 0, 0.8f);
        if (progress == 0) Assert.Equal(0, lambda);
        if (progress == 1) Assert.True(lambda > 0.79f, $"{lambda}");
        Assert.True(adversary.Lambda(0.5) > adversary.Lambda(0.1));
    }

    /// <summary>The labels live in the frames; one statistic says who is speaking and nothing about the label, but it is
    /// the strongest single input. A net trained against the adversary keeps less of the speaker in its hidden layer (a
    /// fresh probe trained on frozen hidden layers tells speakers apart less often) and still learns the labels;
    /// training is deterministic for a seed and the adversary changes the weights.</summary>
    [Fact]
    public void TrainingAgainstTheAdversaryHidesTheSpeakerAndKeepsTheLabels()
    {
        var config = EmotionNetTests.Tiny with { Dropout = 0.1f, Hidden = 16 };
        var source = new SpeakerSource(config, 480, speakers: 4, seed: 9);
        var options = new TrainOptions { Epochs = 30, PassesPerEpoch = 1, BatchSize = 16, LearningRate = 1e-2f, Threads = 2, Seed = 4 };
        (float[] Weights, double Probe, int Correct, List<double> Guessed) Train(float adversary)
        {
            var net = new EmotionNet(config, seed: 1);
            var guessed = new List<double>();
            new Trainer(net, options with { Adversary = adversary }) { AdversaryDone = (_, _, right) => guessed.Add(right) }.Train(source);
            return ((float[])net.Parameters.Values.Clone(), ProbeAccuracy(net, source), EmotionNetTests.Correct(net, source), guessed);
        }
        var plain = Train(0);
        var against = Train(3);
        Assert.Empty(plain.Guessed);
        Assert.Equal(options.Epochs, against.Guessed.Count);
        Assert.True(against.Correct >= 0.9 * source.Count, $"{against.Correct}/{source.Count} labels right against the adversary");
        Assert.True(plain.Probe > 0.6, $"the plain net's hidden layer gives away the speaker only {plain.Probe:P0} of the time");
        Assert.True(against.Probe < plain.Probe - 0.15, $"probe: {against.Probe:P0} against the adversary, {plain.Probe:P0} without");
        Assert.Equal(against.Weights, Train(3).Weights);
        Assert.NotEqual(plain.Weights, against.Weights);
    }

    /// <summary>How often a fresh speaker classifier, trained on the frozen net's hidden layer (first half of the examples),
    /// names the speaker of the other half.</summary>
    private static double ProbeAccuracy(EmotionNet net, SpeakerSource source)
    {
        var probe = new SpeakerAdversary(net.Config.Hidden, source.Speakers, strength: 1, threads: 1, seed: 11);
        var w = net.CreateWorkspace();
        var frames = new float[net.Config.Frames * net.Config.Features];
        var stats = new float[net.Config.Stats];
        var hidden = Enumerable.Range(0, source.Count).Select(i =>
        {
            source.Fill(i, frames, stats);
            net.Forward(w, frames, stats);
            return (float[])w.Hidden.Clone();
        }).ToArray();
        var scratch = new float[net.Config.Hidden];
        int half = source.Count / 2;
        for (int epoch = 0; epoch < 40; epoch++)
            for (int start = 0; start < half; start += 16)
            {
                probe.BeginShard(0);
                for (int i = start; i < Math.Min(half, start + 16); i++) probe.Example(0, hidden[i], source.SpeakerOf(i), 0, scratch);
                probe.Step(Math.Min(16, half - start), 1e-2f, 0);
            }
        probe.BeginShard(0);
        for (int i = half; i < source.Count; i++) probe.Example(0, hidden[i], source.SpeakerOf(i), 0, scratch);
        return probe.ShardCorrect(0) / (double)(source.Count - half);
    }

    private sealed class SpeakerSource(NetConfig config, int count, int speakers, int seed) : IExampleSource
    {
        public int Count => count;

        public int Speakers => speakers;

        public int SpeakerOf(int index) => index / config.Classes % speakers;

        public int Fill(int index, Span<float> frames, Span<float> stats)
        {
            var random = new Random(seed * 1000 + index);
            int label = index % config.Classes, speaker = SpeakerOf(index);
            for (int t = 0; t < config.Frames && !frames.IsEmpty; t++)
                for (int f = 0; f < config.Features; f++)
                    frames[t * config.Features + f] = (float)(random.NextDouble() - 0.5) * 0.5f + (f == label ? t / (float)config.Frames : 0);
            for (int s = 0; s < config.Stats; s++) stats[s] = (float)(random.NextDouble() - 0.5) * 0.2f;
            stats[0] = 2f * speaker / (speakers - 1) - 1; // who is speaking, and nothing else
            return label;
        }
    }
}

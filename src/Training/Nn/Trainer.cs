using System.Numerics.Tensors;

namespace VoiceEmotion.Training.Nn;

/// <summary>Where training examples come from: the trainer asks for example i of an epoch's list.</summary>
public interface IExampleSource
{
    /// <summary>Examples available.</summary>
    int Count { get; }

    /// <summary>Writes example <paramref name="index"/> (frames [Frames × Features], stats) and returns its class.
    /// <paramref name="frames"/> is empty when the net reads no frames.</summary>
    int Fill(int index, Span<float> frames, Span<float> stats);

    /// <summary>Called before each epoch: a source that draws examples afresh does it here (Count may change).</summary>
    void BeginEpoch(int epoch) { }

    /// <summary>Training speakers, numbered 0 … Speakers − 1 by <see cref="SpeakerOf"/>; 0 when the source does not know them.</summary>
    int Speakers => 0;

    /// <summary>The speaker of example <paramref name="index"/> (−1: unknown).</summary>
    int SpeakerOf(int index) => -1;

    /// <summary>Writes the clean view of example <paramref name="index"/> (the same speech heard without the line
    /// condition) and returns true; false when there is none (the default).</summary>
    bool FillClean(int index, Span<float> frames, Span<float> stats) => false;
}

public sealed record TrainOptions
{
    public int Epochs { get; init; } = 80;

    /// <summary>Passes over each epoch's examples (each pass reshuffled, with new masks and dropout): a source that
    /// draws augmented examples once per epoch is costly to draw and cheap to learn from.</summary>
    public int PassesPerEpoch { get; init; } = 1;
    /// <summary>At most this many examples per epoch (0 = every example the source offers that epoch).</summary>
    public int ExamplesPerEpoch { get; init; }
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 2e-3f;
    public float WeightDecay { get; init; } = 1e-4f;
    public float LabelSmoothing { get; init; } = 0.1f;
    public float ClipNorm { get; init; } = 5f;
    /// <summary>Mixup: each example is blended with a random other example of its epoch, inputs and targets alike, by a
    /// share drawn from Beta(α, α) and folded to at most one half (the example keeps the larger part). 0 = off.</summary>
    public float Mixup { get; init; }
    /// <summary>Decay of the exponential moving average of the weights that training ends with (and validates);
    /// 0 keeps the last step's weights.</summary>
    public float EmaDecay { get; init; } = 0;
    /// <summary>With teachers (<see cref="Trainer.Teachers"/>): the share of their mean probabilities in each example's
    /// target, the rest being the smoothed label (distillation).</summary>
    public float TeacherShare { get; init; } = 0.5f;
    /// <summary>Speaker-adversarial training: the largest weight λ of the speaker-confusion gradient on the hidden layer
    /// (<see cref="SpeakerAdversary"/>). 0 = off: no adversary, and the weights are exactly those of training without it.</summary>
    public float Adversary { get; init; }
    /// <summary>Clean-view consistency: where the source has the example's clean view (<see cref="IExampleSource.FillClean"/>),
    /// this share of its target is the net's own probabilities on that view (as it stands, without masks or dropout; no
    /// gradient through them), rising from 0 over the first quarter of training, the rest its smoothed label. The net on a
    /// degraded line learns to say what it says on the clean one (teacher–student learning on parallel clean and noisy
    /// speech). 0 = off, and the weights are exactly those of training without it. Left out of the serialised recipe at 0,
    /// so a recipe's fingerprint (saved cross-validation folds) is the same as before the option existed.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public float CleanConsistency { get; init; }
    /// <summary>SpecAugment-style masks on the CNN's standardised frames (two time masks, two feature masks, each drawn
    /// 0 … this wide): null keeps the shipped widths (<see cref="EmotionNet.ShippedMasks"/>, capped at a tenth of a small
    /// input); a value is capped at half the input. Left out of the serialised recipe when null, so a recipe's fingerprint
    /// (saved cross-validation folds) is the same as before the option existed.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public MaskWidths? Masks { get; init; }
    public int Seed { get; init; } = 1;
    public int Threads { get; init; } = 2;
}

/// <summary>
/// Mini-batch training with AdamW and a cosine learning-rate schedule. A batch is cut into fixed shards, one per
/// thread, each with its own workspace and gradient; shard gradients are summed in shard order and every random
/// draw is seeded by (seed, epoch, example), so a seed and a thread count give the same weights on every run.
/// </summary>
public sealed class Trainer(EmotionNet net, TrainOptions options)
{
    /// <summary>Called after each epoch with (epoch, mean loss over its passes, mean loss of its first pass). The first
    /// pass meets each of the epoch's fresh examples before the net has stepped on it, so its loss is the fresh-data
    /// loss; later passes revisit the same examples, and how far they fit them depends on the learning rate, so the mean
    /// over passes is not comparable between early (high rate) and late (annealed) epochs.</summary>
    public Action<int, float, float>? EpochDone { get; set; }

    /// <summary>Called after each batch with the fraction of all training done.</summary>
    public Action<double>? Progress { get; set; }

    /// <summary>With <see cref="TrainOptions.Adversary"/>: called after each epoch, before <see cref="EpochDone"/>, with
    /// (epoch, mean speaker loss, share of speakers the adversary guessed right) over the epoch's passes.</summary>
    public Action<int, double, double>? AdversaryDone { get; set; }

    /// <summary>Trained nets whose mean probabilities for each example (as given, without masks or dropout) take the
    /// share <see cref="TrainOptions.TeacherShare"/> of its target. Computed once per example and epoch (the epoch's
    /// passes see the same examples), or per draw with mixup, whose inputs are blends. Empty: labels only.</summary>
    public IReadOnlyList<EmotionNet> Teachers { get; init; } = [];

    public void Train(IExampleSource source)
    {
        var run = Start(source);
        for (int epoch = 0; epoch < options.Epochs; epoch++) run.Epoch(epoch);
    }

    /// <summary>Training one epoch at a time: <see cref="Train"/> is <c>Start</c> and then every epoch in order. Several
    /// nets stepped through their epochs side by side can share one source's draw of each epoch (the source's
    /// <see cref="IExampleSource.BeginEpoch"/> does nothing for an epoch it has already drawn).</summary>
    public Run Start(IExampleSource source) => new(this, net, options, source);

    public sealed class Run
    {
        private readonly Trainer _trainer;
        private readonly IExampleSource _source;
        private readonly EmotionNet _net;
        private readonly TrainOptions _options;
        private readonly int _threads, _passes, _totalSteps;
        private readonly bool _mixup;
        private readonly EmotionNet.Workspace[] _workspaces;
        private readonly float[][] _frames, _stats, _partnerFrames, _partnerStats, _cleanFrames, _cleanStats;
        private readonly EmotionNet.Workspace[] _cleanWorkspaces;
        private readonly double[] _losses;
        private readonly Teaching? _teaching;
        private readonly float[] _gradient;
        private readonly AdamW _optimizer;
        private readonly float[]? _average, _live;
        private readonly SpeakerAdversary? _adversary;
        private readonly float[][] _confusion;
        private int _step;

        internal Run(Trainer trainer, EmotionNet net, TrainOptions options, IExampleSource source)
        {
            _trainer = trainer;
            _source = source;
            _net = net;
            _options = options;
            var c = _net.Config;
            _threads = Math.Max(1, _options.Threads);
            _workspaces = Enumerable.Range(0, _threads).Select(_ => _net.CreateWorkspace()).ToArray();
            // A statistics-only net never reads frames: an empty buffer keeps the source from copying every window.
            _frames = Enumerable.Range(0, _threads).Select(_ => c.UseFrames ? new float[c.Frames * c.Features] : []).ToArray();
            _stats = Enumerable.Range(0, _threads).Select(_ => new float[c.Stats]).ToArray();
            _mixup = _options.Mixup > 0;
            _partnerFrames = Enumerable.Range(0, _threads).Select(_ => _mixup && c.UseFrames ? new float[c.Frames * c.Features] : []).ToArray();
            _partnerStats = Enumerable.Range(0, _threads).Select(_ => _mixup ? new float[c.Stats] : []).ToArray();
            bool consistency = _options.CleanConsistency > 0;
            if (consistency && (_mixup || trainer.Teachers.Count > 0))
                throw new ArgumentException("clean-view consistency cannot go with mixup or teachers: each sets the example's target its own way");
            _cleanFrames = Enumerable.Range(0, _threads).Select(_ => consistency && c.UseFrames ? new float[c.Frames * c.Features] : []).ToArray();
            _cleanStats = Enumerable.Range(0, _threads).Select(_ => consistency ? new float[c.Stats] : []).ToArray();
            _cleanWorkspaces = Enumerable.Range(0, consistency ? _threads : 0).Select(_ => _net.CreateWorkspace()).ToArray();
            _losses = new double[_threads];
            _teaching = trainer.Teachers.Count == 0 ? null : new Teaching(trainer.Teachers, _threads, c.Classes);
            _gradient = new float[_net.Parameters.Count];
            _optimizer = new AdamW(_net.Parameters);
            _average = _options.EmaDecay > 0 ? (float[])_net.Parameters.Values.Clone() : null;
            _live = _average is null ? null : new float[_average.Length];
            source.BeginEpoch(0);
            _adversary = _options.Adversary > 0
                ? new SpeakerAdversary(c.Hidden, source.Speakers, _options.Adversary, _threads, Seeds.Mix(_options.Seed, 0xAD5, 11))
                : null;
            _confusion = Enumerable.Range(0, _threads).Select(_ => _adversary is null ? [] : new float[c.Hidden]).ToArray();
            // The schedule is planned from the first epoch's size; later epochs may differ a little, so it is clamped.
            _passes = Math.Max(1, _options.PassesPerEpoch);
            _totalSteps = Math.Max(1, (PerEpoch() + _options.BatchSize - 1) / _options.BatchSize * _options.Epochs * _passes);
        }

        private int PerEpoch() => _options.ExamplesPerEpoch > 0 ? Math.Min(_options.ExamplesPerEpoch, _source.Count) : _source.Count;

        /// <summary>Epoch <paramref name="epoch"/> (0-based; call them in order): its draw, its passes, its report.</summary>
        public void Epoch(int epoch)
        {
            _source.BeginEpoch(epoch);
            _teaching?.BeginEpoch(_source.Count);
            int perEpoch = PerEpoch();
            double epochLoss = 0, firstPassLoss = 0, speakerLoss = 0;
            long speakerCorrect = 0, speakerSeen = 0;
            for (int pass = 0; pass < _passes; pass++)
            {
                int round = epoch * _passes + pass;
                var order = Shuffle(_source.Count, new Random(Seeds.Mix(_options.Seed, round, -1)));
                for (int batchStart = 0; batchStart < perEpoch; batchStart += _options.BatchSize)
                {
                    int batch = Math.Min(_options.BatchSize, perEpoch - batchStart);
                    int shard = (batch + _threads - 1) / _threads;
                    float lambda = _adversary?.Lambda((double)_step / _totalSteps) ?? 0;
                    float cleanShare = _options.CleanConsistency * Math.Min(1f, 4f * _step / _totalSteps);
                    Parallel.For(0, _threads, new ParallelOptions { MaxDegreeOfParallelism = _threads }, s =>
                    {
                        var w = _workspaces[s];
                        w.Gradient.AsSpan().Clear();
                        _losses[s] = 0;
                        _adversary?.BeginShard(s);
                        for (int i = s * shard; i < Math.Min(batch, (s + 1) * shard); i++)
                        {
                            int example = order[batchStart + i];
                            int label = _source.Fill(example, _frames[s], _stats[s]);
                            var random = new Random(Seeds.Mix(_options.Seed, round, example));
                            int partner = -1;
                            float share = 0;
                            if (_mixup)
                            {
                                partner = _source.Fill(order[random.Next(perEpoch)], _partnerFrames[s], _partnerStats[s]);
                                double lambda = Sampling.SymmetricBeta(random, _options.Mixup);
                                share = (float)Math.Min(lambda, 1 - lambda);
                                TensorPrimitives.Lerp(_frames[s], _partnerFrames[s], share, _frames[s]);
                                TensorPrimitives.Lerp(_stats[s], _partnerStats[s], share, _stats[s]);
                            }
                            var taught = _teaching is null ? default : _teaching.Targets(s, _mixup ? -1 : example, _frames[s], _stats[s]);
                            float taughtShare = _options.TeacherShare;
                            if (cleanShare > 0 && _source.FillClean(example, _cleanFrames[s], _cleanStats[s]))
                            {
                                // The weights do not move within a batch, so every thread sees the same net here.
                                _net.Forward(_cleanWorkspaces[s], _cleanFrames[s], _cleanStats[s]);
                                taught = _cleanWorkspaces[s].Probabilities;
                                taughtShare = cleanShare;
                            }
                            _net.Forward(w, _frames[s], _stats[s], random, _options.Masks);
                            _adversary?.Example(s, w.Hidden, _source.SpeakerOf(example), lambda, _confusion[s]);
                            _losses[s] += _net.Backward(w, label, _options.LabelSmoothing, 1f, partner, share, taught, taughtShare, _confusion[s]);
                        }
                    });
                    _gradient.AsSpan().Clear();
                    for (int s = 0; s < _threads; s++) TensorPrimitives.Add(_gradient, _workspaces[s].Gradient, _gradient);
                    TensorPrimitives.Multiply(_gradient, 1f / batch, _gradient);
                    float norm = TensorPrimitives.Norm(_gradient);
                    if (norm > _options.ClipNorm) TensorPrimitives.Multiply(_gradient, _options.ClipNorm / norm, _gradient);
                    float lr = _options.LearningRate * 0.5f * (1 + MathF.Cos(MathF.PI * Math.Min(1f, (float)_step / _totalSteps)));
                    _optimizer.Step(_gradient, lr, _options.WeightDecay);
                    if (_adversary is not null)
                    {
                        // The adversary keeps the peak rate: it must keep up with a net that keeps changing.
                        var (loss, correct) = _adversary.Step(batch, _options.LearningRate, _options.WeightDecay);
                        speakerLoss += loss;
                        speakerCorrect += correct;
                        speakerSeen += batch;
                    }
                    if (_average is not null)
                    {
                        // Early on the average follows the weights closely (warm-up), later it spans ~1/(1 − decay) steps.
                        float decay = Math.Min(_options.EmaDecay, (1f + _step) / (10f + _step));
                        TensorPrimitives.Lerp(_net.Parameters.Values, _average, decay, _average);
                    }
                    double batchLoss = _losses.Sum();
                    epochLoss += batchLoss;
                    if (pass == 0) firstPassLoss += batchLoss;
                    _step++;
                    _trainer.Progress?.Invoke(Math.Min(1.0, (double)_step / _totalSteps));
                }
            }
            epochLoss /= _passes;
            if (!double.IsFinite(epochLoss))
                throw new InvalidOperationException($"training diverged in epoch {epoch + 1} (loss is not finite): lower --lr or check the inputs");
            if (_adversary is not null) _trainer.AdversaryDone?.Invoke(epoch, speakerLoss / Math.Max(1, speakerSeen), (double)speakerCorrect / Math.Max(1, speakerSeen));
            if (_average is not null) Swap(_net.Parameters.Values, _average, _live!); // report (and end on) the average
            _trainer.EpochDone?.Invoke(epoch, (float)(epochLoss / perEpoch), (float)(firstPassLoss / perEpoch));
            if (_average is not null && epoch < _options.Epochs - 1) Swap(_net.Parameters.Values, _average, _live!);
        }
    }

    /// <summary>The teachers' mean probabilities per example of the current epoch, each computed the first time it is asked
    /// for (an example is in one thread's shard per pass, so slots are never shared), with a workspace per thread and teacher.</summary>
    private sealed class Teaching(IReadOnlyList<EmotionNet> teachers, int threads, int classes)
    {
        private readonly EmotionNet.Workspace[][] _workspaces = Enumerable.Range(0, threads).Select(_ => teachers.Select(t => t.CreateWorkspace()).ToArray()).ToArray();
        private readonly float[][] _scratch = Enumerable.Range(0, threads).Select(_ => new float[classes]).ToArray();
        private float[] _targets = [];
        private bool[] _known = [];

        public void BeginEpoch(int count)
        {
            if (_known.Length < count) { _targets = new float[count * classes]; _known = new bool[count]; }
            else Array.Clear(_known);
        }

        /// <summary>Mean teacher probabilities for example <paramref name="example"/> (−1: not cached, the inputs are a blend).</summary>
        public ReadOnlySpan<float> Targets(int thread, int example, ReadOnlySpan<float> frames, ReadOnlySpan<float> stats)
        {
            var target = example < 0 ? _scratch[thread].AsSpan() : _targets.AsSpan(example * classes, classes);
            if (example >= 0 && _known[example]) return target;
            target.Clear();
            for (int t = 0; t < teachers.Count; t++)
            {
                var w = _workspaces[thread][t];
                teachers[t].Forward(w, frames, stats);
                TensorPrimitives.Add(target, w.Probabilities, target);
            }
            TensorPrimitives.Multiply(target, 1f / teachers.Count, target);
            if (example >= 0) _known[example] = true;
            return target;
        }
    }

    private static void Swap(float[] values, float[] other, float[] scratch)
    {
        values.CopyTo(scratch, 0);
        other.CopyTo(values, 0);
        scratch.CopyTo(other, 0);
    }

    private static int[] Shuffle(int count, Random random)
    {
        var order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        return order;
    }
}

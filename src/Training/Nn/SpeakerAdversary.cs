namespace VoiceEmotion.Training.Nn;

/// <summary>
/// Speaker-adversarial training (domain-adversarial training after Ganin &amp; Lempitsky, 2015, with the training
/// speakers as the domains): a small classifier (Dense(H→A) → ReLU → Dense(A→speakers)) learns to tell the training
/// speaker from the emotion net's last hidden layer, and the emotion net is pushed, with weight λ, to leave that
/// classifier no better than a uniform guess (its cross-entropy with the uniform distribution over speakers: a bounded
/// "confusion" objective, where reversing the classifier's own gradient let the net grow its activations without
/// end) — towards a representation that serves the emotion and not the voice or the studio. λ ramps from 0 to <see cref="Strength"/> over training as
/// 2 / (1 + e^(−10 p)) − 1 (p: share of training done), so the adversary does not fight a net that has learnt nothing
/// yet. Training only: nothing of it is exported. Per-thread gradients are summed in thread order, as the trainer's.
/// </summary>
public sealed class SpeakerAdversary
{
    public const int Width = 64;

    private readonly ParameterSet _parameters = new();
    private readonly AdamW _optimizer;
    private readonly int _hidden, _speakers;
    private readonly Workspace[] _workspaces;
    private readonly float[] _gradient;

    public SpeakerAdversary(int hidden, int speakers, float strength, int threads, int seed)
    {
        if (speakers < 2) throw new ArgumentException($"speaker-adversarial training (--adversary) needs at least two training speakers; the training data has {speakers}");
        _hidden = hidden;
        _speakers = speakers;
        Strength = strength;
        _parameters.Add("a1.w", true, Width, hidden);
        _parameters.Add("a1.b", false, Width);
        _parameters.Add("a2.w", true, speakers, Width);
        _parameters.Add("a2.b", false, speakers);
        _parameters.Allocate();
        var random = new Random(seed);
        foreach (var (name, fanIn) in new[] { ("a1.w", hidden), ("a2.w", Width) })
        {
            var w = _parameters.Get(name);
            double std = Math.Sqrt(2.0 / fanIn);
            for (int i = 0; i < w.Length; i++) w[i] = (float)(std * Sampling.Gaussian(random));
        }
        _optimizer = new AdamW(_parameters);
        _workspaces = Enumerable.Range(0, Math.Max(1, threads)).Select(_ => new Workspace(this)).ToArray();
        _gradient = new float[_parameters.Count];
    }

    /// <summary>The largest λ, reached late in training.</summary>
    public float Strength { get; }

    /// <summary>λ at the share <paramref name="progress"/> (0–1) of training.</summary>
    public float Lambda(double progress) => Strength * (float)(2 / (1 + Math.Exp(-10 * Math.Clamp(progress, 0, 1))) - 1);

    /// <summary>Clears thread <paramref name="thread"/>'s gradient and loss before its share of a batch.</summary>
    public void BeginShard(int thread)
    {
        _workspaces[thread].Gradient.AsSpan().Clear();
        _workspaces[thread].Loss = 0;
        _workspaces[thread].Correct = 0;
    }

    /// <summary>Summed speaker cross-entropy of thread <paramref name="thread"/>'s examples since its <see cref="BeginShard"/>.</summary>
    public double ShardLoss(int thread) => _workspaces[thread].Loss;

    /// <summary>Speakers thread <paramref name="thread"/> guessed right since its <see cref="BeginShard"/>.</summary>
    public int ShardCorrect(int thread) => _workspaces[thread].Correct;

    /// <summary>Classifies the speaker from <paramref name="hidden"/> (the emotion net's hidden layer as its output layer
    /// read it) and accumulates the adversary's own gradient (cross-entropy with the true speaker); writes into
    /// <paramref name="confusion"/> the gradient the emotion net's hidden layer receives: λ times that of the
    /// cross-entropy between the adversary's output and the uniform distribution over speakers.</summary>
    public void Example(int thread, ReadOnlySpan<float> hidden, int speaker, float lambda, Span<float> confusion)
    {
        var w = _workspaces[thread];
        var p = _parameters.Values;
        var w1 = _parameters.Get(p, "a1.w");
        var w2 = _parameters.Get(p, "a2.w");
        Ops.DenseForward(w1, _parameters.Get(p, "a1.b"), hidden, w.A1);
        Ops.Relu(w.A1);
        Ops.DenseForward(w2, _parameters.Get(p, "a2.b"), w.A1, w.Logits);
        int best = 0;
        for (int k = 1; k < _speakers; k++) if (w.Logits[k] > w.Logits[best]) best = k;
        if (best == speaker) w.Correct++;
        Ops.Softmax(w.Logits);
        w.Loss -= MathF.Log(Math.Max(w.Logits[speaker], 1e-12f));

        // The emotion net's side: d CE(uniform, p) / d logits = p − 1/S, back through the adversary to its input.
        float uniform = 1f / _speakers;
        w.DA1.AsSpan().Clear();
        for (int k = 0; k < _speakers; k++)
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w2.Slice(k * Width, Width), lambda * (w.Logits[k] - uniform), w.DA1, w.DA1);
        confusion.Clear();
        for (int i = 0; i < Width; i++)
            if (w.A1[i] > 0 && w.DA1[i] != 0) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w1.Slice(i * _hidden, _hidden), w.DA1[i], confusion, confusion);

        // The adversary's side: d CE(speaker, p) / d logits = p − one-hot.
        w.Logits[speaker] -= 1;
        Ops.DenseBackward(w2, w.A1, w.Logits, Slice(w.Gradient, "a2.w"), Slice(w.Gradient, "a2.b"), w.DA1.AsSpan().Cleared());
        for (int i = 0; i < Width; i++) if (w.A1[i] <= 0) w.DA1[i] = 0;
        Ops.DenseBackward(w1, hidden, w.DA1, Slice(w.Gradient, "a1.w"), Slice(w.Gradient, "a1.b"), []);
    }

    /// <summary>One AdamW step of the adversary with the batch's mean gradient; returns the batch's summed speaker loss and
    /// number of speakers guessed right.</summary>
    public (double Loss, int Correct) Step(int batch, float learningRate, float weightDecay)
    {
        _gradient.AsSpan().Clear();
        double loss = 0;
        int correct = 0;
        foreach (var w in _workspaces)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(_gradient, w.Gradient, _gradient);
            loss += w.Loss;
            correct += w.Correct;
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(_gradient, 1f / batch, _gradient);
        _optimizer.Step(_gradient, learningRate, weightDecay);
        return (loss, correct);
    }

    private Span<float> Slice(float[] gradient, string name) => gradient.AsSpan(_parameters.Offset(name), _parameters.Size(name));

    private sealed class Workspace(SpeakerAdversary owner)
    {
        public readonly float[] A1 = new float[Width], DA1 = new float[Width], Logits = new float[owner._speakers];
        public readonly float[] Gradient = new float[owner._parameters.Count];
        public double Loss;
        public int Correct;
    }
}

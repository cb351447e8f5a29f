using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>A classifier seen with its own labels (8 with RAVDESS calm), so calibration can work on its raw output.</summary>
public interface IRawClassifier
{
    IReadOnlyList<string> Labels { get; }

    /// <summary>Frames per window read from the frames input (0: none).</summary>
    int WindowFrames { get; }

    /// <summary>[batch × Labels.Count] probabilities for [batch × WindowFrames × F] frames and [batch × WindowFeatureCount] statistics.</summary>
    void PredictRaw(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> output);
}

/// <summary>An exported model file as an <see cref="IRawClassifier"/>.</summary>
public sealed class OnnxRawClassifier(EmotionModel model) : IRawClassifier
{
    public IReadOnlyList<string> Labels => model.Labels;
    public int WindowFrames => model.WindowFrames;
    public void PredictRaw(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> output) =>
        model.PredictRaw(frames, stats, batchSize, output);
}

/// <summary>The scores of a set of clips: which clip (position in the list scored, or a corpus index once
/// <see cref="Evaluation"/> has mapped it), its true and predicted product label, and every scored window's raw
/// probabilities with the clip's true label (for calibration).</summary>
public sealed class ClipScores(int[] clips, int[] truth, int[] predicted, List<(float[] Raw, int Truth)> windows)
{
    public int[] Clips { get; } = clips;
    public int[] Truth { get; } = truth;
    public int[] Predicted { get; } = predicted;
    public List<(float[] Raw, int Truth)> Windows { get; } = windows;

    /// <summary>The same scores with <see cref="Clips"/> mapped through <paramref name="ids"/>.</summary>
    public ClipScores Relabel(IReadOnlyList<int> ids) => new([.. Clips.Select(p => ids[p])], Truth, Predicted, Windows);

    /// <summary>Only the clips <paramref name="keep"/> accepts (windows are dropped: for per-subset metrics).</summary>
    public ClipScores Where(Func<int, bool> keep)
    {
        var chosen = Enumerable.Range(0, Clips.Length).Where(i => keep(Clips[i])).ToList();
        return new([.. chosen.Select(i => Clips[i])], [.. chosen.Select(i => Truth[i])], [.. chosen.Select(i => Predicted[i])], []);
    }

    public static ClipScores Concat(IEnumerable<ClipScores> parts)
    {
        var list = parts.ToList();
        return new ClipScores([.. list.SelectMany(p => p.Clips)], [.. list.SelectMany(p => p.Truth)], [.. list.SelectMany(p => p.Predicted)], [.. list.SelectMany(p => p.Windows)]);
    }
}

/// <summary>
/// The ways a clip is scored. Clip-level: full 3 s windows every 0.5 s over the clip's speech, probabilities
/// averaged (each clip its own session). Streaming: the clip alone through the live <see cref="StreamAnalyzer"/>, every
/// speech update averaged. Sessions: each speaker's clips in a seeded random order with 0.4 s pauses as one live
/// session; a clip is scored from the speech updates that fall while it plays (steady sessions: the same, one emotion at a
/// time). Probabilities are the model's own
/// labels mapped onto the product's (calm summed into neutral).
/// </summary>
public sealed class Scorer(IRawClassifier classifier)
{
    private const int Batch = 32;
    public const double SessionPauseSeconds = 0.4;

    /// <summary>How this classifier's raw rows become product probabilities.</summary>
    public LabelMap Labels { get; } = new(classifier.Labels);

    /// <summary>Clip-level scores of cached clip features.</summary>
    public ClipScores ClipLevel(IReadOnlyList<ClipFeatures> clips)
    {
        var predicted = new int[clips.Count];
        var windows = new List<(float[], int)>[clips.Count];
        int t = classifier.WindowFrames, f = FeatureSchema.FrameFeatureCount, s = FeatureSchema.WindowFeatureCount;
        Parallel.For(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var clip = clips[i];
            var chosen = ClipWindows(clip);
            var frames = new float[Math.Max(1, chosen.Count * t * f)];
            var stats = new float[chosen.Count * s];
            for (int j = 0; j < chosen.Count; j++)
            {
                if (t > 0) clip.CopyWindow(chosen[j], FeatureSchema.UpdateFrames, frames.AsSpan(j * t * f, t * f));
                clip.UpdateStats(chosen[j]).CopyTo(stats.AsSpan(j * s, s));
            }
            var raw = Predict(frames, stats, chosen.Count);
            windows[i] = raw.Select(r => (r, clip.Label)).ToList();
            predicted[i] = chosen.Count == 0 ? EmotionLabels.Neutral : Decide(raw);
        });
        return new ClipScores([.. Enumerable.Range(0, clips.Count)], [.. clips.Select(c => c.Label)], predicted, [.. windows.SelectMany(w => w)]);
    }

    /// <summary>Each clip alone through the live session code (what `/api/analyze` gives for the clip).</summary>
    public ClipScores Streaming(IReadOnlyList<(float[] Audio16k, int Label)> clips)
    {
        var predicted = new int[clips.Count];
        var windows = new List<(float[], int)>[clips.Count];
        Parallel.For(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var updates = Live(clips[i].Audio16k);
            var speech = updates.Where(u => u.Raw is not null).Select(u => u.Raw!).ToList();
            predicted[i] = speech.Count == 0 ? EmotionLabels.Neutral : Decide(speech);
            windows[i] = speech.Select(r => (r, clips[i].Label)).ToList();
        });
        return new ClipScores([.. Enumerable.Range(0, clips.Count)], [.. clips.Select(c => c.Label)], predicted, [.. windows.SelectMany(w => w)]);
    }

    /// <summary>One live session per speaker: clips (audio already through the line) in a seeded random order with
    /// pauses; each clip scored from the speech updates that end while it plays (its last update if none had speech).
    /// <paramref name="steady"/>: one emotion at a time — a speaker's clips of an emotion together (in a seeded order),
    /// the emotions in a seeded order — a call whose mood lasts, where the random order changes emotion at almost every
    /// clip and most 3 s windows hear two of them.</summary>
    public ClipScores Sessions(IReadOnlyList<(string Speaker, float[] Audio16k, int Label)> clips, int seed, bool steady = false)
    {
        var bySpeaker = Enumerable.Range(0, clips.Count).GroupBy(i => clips[i].Speaker).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var parts = new ClipScores[bySpeaker.Count];
        Parallel.For(0, bySpeaker.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, g =>
        {
            var order = bySpeaker[g].ToArray();
            var random = new Random(Seeds.Mix(seed, Corpus.StableHash(bySpeaker[g].Key), 5));
            random.Shuffle(order);
            if (steady)
            {
                var emotions = order.Select(i => clips[i].Label).Distinct().Order().ToArray();
                random.Shuffle(emotions);
                order = [.. emotions.SelectMany(e => order.Where(i => clips[i].Label == e))];
            }
            int pause = (int)(SessionPauseSeconds * FeatureSchema.SampleRate);
            var spans = new List<(int Start, int End)>();
            var audio = new List<float>();
            foreach (int i in order)
            {
                spans.Add((audio.Count, audio.Count + clips[i].Audio16k.Length));
                audio.AddRange(clips[i].Audio16k);
                audio.AddRange(new float[pause]);
            }
            var updates = Live([.. audio]);
            var truth = new int[order.Length];
            var predicted = new int[order.Length];
            var windows = new List<(float[], int)>();
            for (int k = 0; k < order.Length; k++)
            {
                double start = spans[k].Start / (double)FeatureSchema.SampleRate, end = spans[k].End / (double)FeatureSchema.SampleRate;
                var during = updates.Where(u => u.Time > start && u.Time <= end + 1e-9).ToList();
                var speech = during.Where(u => u.Raw is not null).Select(u => u.Raw!).ToList();
                truth[k] = clips[order[k]].Label;
                predicted[k] = speech.Count > 0 ? Decide(speech) : EmotionLabels.Neutral;
                windows.AddRange(speech.Select(r => (r, truth[k])));
            }
            parts[g] = new ClipScores(order, truth, predicted, windows);
        });
        return ClipScores.Concat(parts);
    }

    /// <summary>The live session's updates for a recording, through the service's own <see cref="ClipAnalyzer"/>:
    /// audio time, and raw probabilities for speech updates.</summary>
    public List<(double Time, float[]? Raw)> Live(float[] audio16k)
    {
        var recorder = new RecordingClassifier(classifier, Labels);
        var (updates, _) = ClipAnalyzer.Analyze(new AudioClip(audio16k, FeatureSchema.SampleRate), recorder, "evaluation");
        int k = 0;
        return updates.Select(u => (u.AudioTime, u.Speech ? recorder.Rows[k++] : null)).ToList();
    }

    private List<float[]> Predict(float[] frames, float[] stats, int n)
    {
        var rows = new List<float[]>(n);
        if (n == 0) return rows;
        int classes = classifier.Labels.Count;
        var output = new float[n * classes];
        for (int start = 0; start < n; start += Batch)
        {
            int b = Math.Min(Batch, n - start);
            int t = classifier.WindowFrames * FeatureSchema.FrameFeatureCount, s = FeatureSchema.WindowFeatureCount;
            classifier.PredictRaw(t > 0 ? frames.AsSpan(start * t, b * t) : default, stats.AsSpan(start * s, b * s), b, output.AsSpan(start * classes, b * classes));
        }
        for (int i = 0; i < n; i++) rows.Add(output.AsSpan(i * classes, classes).ToArray());
        return rows;
    }

    // Argmax of the mean product probability over the rows.
    private int Decide(List<float[]> rows)
    {
        var mean = new double[EmotionLabels.Count];
        foreach (var r in rows)
        {
            var p = Labels.ToProduct(r);
            for (int k = 0; k < mean.Length; k++) mean[k] += p[k];
        }
        int best = 0;
        for (int k = 1; k < mean.Length; k++) if (mean[k] > mean[best]) best = k;
        return best;
    }

    // The service's classifier seam over a raw classifier, keeping each window's raw row in call order (ClipAnalyzer
    // classifies speech windows in order), so calibration can work on what the service computed.
    private sealed class RecordingClassifier(IRawClassifier raw, LabelMap labels) : IEmotionClassifier
    {
        public List<float[]> Rows { get; } = [];
        public int WindowFrames => raw.WindowFrames;
        public bool UsesStats => true;

        public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
        {
            int classes = raw.Labels.Count;
            var output = new float[batchSize * classes];
            raw.PredictRaw(frames, stats, batchSize, output);
            for (int b = 0; b < batchSize; b++)
            {
                var row = output.AsSpan(b * classes, classes).ToArray();
                Rows.Add(row);
                labels.ToProduct(row).CopyTo(probabilities.Slice(b * EmotionLabels.Count, EmotionLabels.Count));
            }
        }
    }

    // Full windows over the clip (all windows if it is shorter than one), keeping those with speech (all if none).
    private static List<int> ClipWindows(ClipFeatures clip)
    {
        if (clip.Updates == 0) return [];
        var candidates = Enumerable.Range(0, clip.Updates)
            .Where(u => clip.EndFrame(u, FeatureSchema.UpdateFrames) >= Math.Min(clip.WindowFrames, clip.Updates * FeatureSchema.UpdateFrames))
            .ToList();
        if (candidates.Count == 0) candidates = [clip.Updates - 1];
        var speech = candidates.Where(clip.IsSpeech).ToList();
        return speech.Count > 0 ? speech : candidates;
    }
}

using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>How <see cref="Scorer.Sessions"/> orders each speaker's clips into calls.</summary>
public enum SessionOrder { Random, Steady, Episodes }

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
public sealed class ClipScores(int[] clips, int[] truth, int[] predicted, List<(float[] Raw, int Truth)> windows, double[]? windowSeconds = null)
{
    public int[] Clips { get; } = clips;
    public int[] Truth { get; } = truth;
    public int[] Predicted { get; } = predicted;
    public List<(float[] Raw, int Truth)> Windows { get; } = windows;

    /// <summary>Streaming scores only: for each of <see cref="Windows"/>, the seconds of the current utterance its live
    /// window held (<see cref="VoiceEmotion.Pipeline.Streaming.EmotionUpdate.WindowSeconds"/>); empty otherwise.</summary>
    public double[] WindowSeconds { get; } = windowSeconds ?? [];

    /// <summary>The same scores with <see cref="Clips"/> mapped through <paramref name="ids"/>.</summary>
    public ClipScores Relabel(IReadOnlyList<int> ids) => new([.. Clips.Select(p => ids[p])], Truth, Predicted, Windows, WindowSeconds);

    /// <summary>Only the clips <paramref name="keep"/> accepts (windows are dropped: for per-subset metrics).</summary>
    public ClipScores Where(Func<int, bool> keep)
    {
        var chosen = Enumerable.Range(0, Clips.Length).Where(i => keep(Clips[i])).ToList();
        return new([.. chosen.Select(i => Clips[i])], [.. chosen.Select(i => Truth[i])], [.. chosen.Select(i => Predicted[i])], []);
    }

    public static ClipScores Concat(IEnumerable<ClipScores> parts)
    {
        var list = parts.ToList();
        bool seconds = list.All(p => p.WindowSeconds.Length == p.Windows.Count);
        return new ClipScores([.. list.SelectMany(p => p.Clips)], [.. list.SelectMany(p => p.Truth)], [.. list.SelectMany(p => p.Predicted)], [.. list.SelectMany(p => p.Windows)],
            seconds ? [.. list.SelectMany(p => p.WindowSeconds)] : null);
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
        var seconds = new double[clips.Count][];
        Parallel.For(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var speech = Live(clips[i].Audio16k).Where(u => u.Raw is not null).ToList();
            predicted[i] = speech.Count == 0 ? EmotionLabels.Neutral : Decide(speech.Select(u => u.Raw!).ToList());
            windows[i] = speech.Select(u => (u.Raw!, clips[i].Label)).ToList();
            seconds[i] = [.. speech.Select(u => u.WindowSeconds)];
        });
        return new ClipScores([.. Enumerable.Range(0, clips.Count)], [.. clips.Select(c => c.Label)], predicted, [.. windows.SelectMany(w => w)],
            [.. seconds.SelectMany(s => s)]);
    }

    /// <summary>Live sessions of each speaker's clips (audio already through the line) with pauses; each clip scored from
    /// the speech updates that end while it plays (its last update if none had speech). <paramref name="order"/>:
    /// <see cref="SessionOrder.Random"/> — one call per speaker in a seeded random order; <see cref="SessionOrder.Steady"/>
    /// — one call, one emotion at a time: a speaker's clips of an emotion together (in a seeded order), the emotions in a
    /// seeded order — a call whose mood lasts, where the random order changes emotion at almost every clip and most 3 s
    /// windows hear two of them; <see cref="SessionOrder.Episodes"/> — calls that are half neutral (<see cref="EpisodeCalls"/>).</summary>
    public ClipScores Sessions(IReadOnlyList<(string Speaker, float[] Audio16k, int Label)> clips, int seed, SessionOrder order = SessionOrder.Random)
    {
        var bySpeaker = Enumerable.Range(0, clips.Count).GroupBy(i => clips[i].Speaker).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var calls = new List<int[]>();
        foreach (var speaker in bySpeaker)
        {
            var shuffled = speaker.ToArray();
            var random = new Random(Seeds.Mix(seed, Corpus.StableHash(speaker.Key), 5));
            random.Shuffle(shuffled);
            switch (order)
            {
                case SessionOrder.Steady:
                    var emotions = shuffled.Select(i => clips[i].Label).Distinct().Order().ToArray();
                    random.Shuffle(emotions);
                    calls.Add([.. emotions.SelectMany(e => shuffled.Where(i => clips[i].Label == e))]);
                    break;
                case SessionOrder.Episodes:
                    calls.AddRange(EpisodeCalls(shuffled, i => clips[i].Label, random));
                    break;
                default:
                    calls.Add(shuffled);
                    break;
            }
        }
        var parts = new ClipScores[calls.Count];
        Parallel.For(0, calls.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, g =>
        {
            var call = calls[g];
            int pause = (int)(SessionPauseSeconds * FeatureSchema.SampleRate);
            var spans = new List<(int Start, int End)>();
            var audio = new List<float>();
            foreach (int i in call)
            {
                spans.Add((audio.Count, audio.Count + clips[i].Audio16k.Length));
                audio.AddRange(clips[i].Audio16k);
                audio.AddRange(new float[pause]);
            }
            var updates = Live([.. audio]);
            var truth = new int[call.Length];
            var predicted = new int[call.Length];
            var windows = new List<(float[], int)>();
            for (int k = 0; k < call.Length; k++)
            {
                double start = spans[k].Start / (double)FeatureSchema.SampleRate, end = spans[k].End / (double)FeatureSchema.SampleRate;
                var during = updates.Where(u => u.Time > start && u.Time <= end + 1e-9).ToList();
                var speech = during.Where(u => u.Raw is not null).Select(u => u.Raw!).ToList();
                truth[k] = clips[call[k]].Label;
                predicted[k] = speech.Count > 0 ? Decide(speech) : EmotionLabels.Neutral;
                windows.AddRange(speech.Select(r => (r, truth[k])));
            }
            parts[g] = new ClipScores(call, truth, predicted, windows);
        });
        return ClipScores.Concat(parts);
    }

    /// <summary>Most clips an episode of one emotion holds in <see cref="EpisodeCalls"/> (≈ 20 s of TESS, 35 s of RAVDESS).</summary>
    public const int EpisodeClips = 10;

    /// <summary>
    /// One speaker's clips (in a seeded order) as calls that are half neutral, the shape of a customer-service call:
    /// k = (non-neutral clips / neutral clips, rounded, at least 1) calls, each with every neutral clip as its background
    /// (in its own seeded order) and every k-th clip of each other emotion, those in episodes of at most
    /// <see cref="EpisodeClips"/> clips of one emotion, in a seeded order, with an even share of the neutral clips before,
    /// between and after them. Every non-neutral clip is heard once, every neutral clip once per call. A speaker with no
    /// neutral clip, or nothing else, gives one call in the order given.
    /// </summary>
    public static List<int[]> EpisodeCalls(IReadOnlyList<int> ordered, Func<int, int> label, Random random)
    {
        var neutral = ordered.Where(i => label(i) == EmotionLabels.Neutral).ToArray();
        var emotions = ordered.Where(i => label(i) != EmotionLabels.Neutral).GroupBy(label).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList();
        int others = emotions.Sum(e => e.Length);
        if (neutral.Length == 0 || others == 0) return [[.. ordered]];
        int k = Math.Max(1, (int)Math.Round(others / (double)neutral.Length));
        var calls = new List<int[]>(k);
        for (int c = 0; c < k; c++)
        {
            var episodes = emotions.SelectMany(e => e.Where((_, position) => position % k == c).Chunk(EpisodeClips)).ToArray();
            random.Shuffle(episodes);
            var background = (int[])neutral.Clone();
            random.Shuffle(background);
            int stretches = episodes.Length + 1;
            var call = new List<int>(background.Length + episodes.Sum(e => e.Length));
            for (int s = 0; s < stretches; s++)
            {
                call.AddRange(background[(s * background.Length / stretches)..((s + 1) * background.Length / stretches)]);
                if (s < episodes.Length) call.AddRange(episodes[s]);
            }
            calls.Add([.. call]);
        }
        return calls;
    }

    /// <summary>The live session's updates for a recording, through the service's own <see cref="ClipAnalyzer"/>:
    /// audio time, the seconds of the utterance the window held, and raw probabilities for speech updates.</summary>
    public List<(double Time, double WindowSeconds, float[]? Raw)> Live(float[] audio16k)
    {
        var recorder = new RecordingClassifier(classifier, Labels);
        var (updates, _) = ClipAnalyzer.Analyze(new AudioClip(audio16k, FeatureSchema.SampleRate), recorder, "evaluation");
        int k = 0;
        return updates.Select(u => (u.AudioTime, u.WindowSeconds, u.Speech ? recorder.Rows[k++] : null)).ToList();
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

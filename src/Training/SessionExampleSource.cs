using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>
/// Training examples drawn fresh every epoch, the way the live service meets speech. Each epoch takes up to
/// <see cref="TrainingRecipe.ClipsPerSpeaker"/> clips per speaker, groups each speaker's clips into simulated sessions
/// (balanced, or mostly one emotion: real calls are not balanced), draws one line condition per session
/// (<see cref="LineCondition.Draw"/>), passes every clip through it with its own random noise, talkers and lost
/// packets, computes features with the serving code, and walks each session in order with a
/// <see cref="SpeakerBaseline"/>, so every window carries the session block a live session would give it there.
/// Deterministic for a seed; features are computed on all cores. With clean views (<see cref="TrainOptions.CleanConsistency"/>)
/// each augmented window also knows the same window of the same session heard clean (<see cref="FillClean"/>).
/// </summary>
public sealed class SessionExampleSource : IExampleSource
{
    private static readonly int W = FeatureSchema.WindowStatisticsCount;
    private static readonly int B = FeatureSchema.SessionFeatureCount;

    private readonly Corpus _corpus;
    private readonly IReadOnlyList<int> _clips;
    private readonly TrainingRecipe _recipe;
    private readonly int _seed;
    private readonly Dictionary<string, List<int>> _bySpeaker;
    private readonly Dictionary<string, int> _speakerIndex;
    private readonly bool _cleanViews;
    private List<(ClipFeatures Clip, int Update, float[] Block, int Speaker)> _examples = [];
    private List<(ClipFeatures Clip, float[] Block)?> _clean = [];
    private Dictionary<int, ClipFeatures>? _cleanFeatures;
    private int _epoch = -1;

    /// <summary>A source over <paramref name="clips"/> of <paramref name="corpus"/>, drawn by <paramref name="recipe"/> from
    /// <paramref name="seed"/>. <paramref name="cleanViews"/>: keep each augmented window's clean counterpart
    /// (<see cref="FillClean"/>); by default when the recipe trains with <see cref="TrainOptions.CleanConsistency"/>. The
    /// draws are the same either way.</summary>
    public SessionExampleSource(Corpus corpus, IReadOnlyList<int> clips, TrainingRecipe recipe, int seed, bool? cleanViews = null)
    {
        if (clips.Count == 0) throw new ArgumentException("no training clips", nameof(clips));
        _corpus = corpus;
        _clips = clips;
        _recipe = recipe;
        _seed = seed;
        _cleanViews = cleanViews ?? recipe.Train.CleanConsistency > 0;
        _bySpeaker = clips.GroupBy(c => corpus.Clips[c].Speaker).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList());
        _speakerIndex = _bySpeaker.Keys.Select((speaker, i) => (speaker, i)).ToDictionary(p => p.speaker, p => p.i);
    }

    public int Count => _examples.Count;

    public int Speakers => _bySpeaker.Count;

    public int SpeakerOf(int index) => _examples[index].Speaker;

    /// <summary>Seconds spent computing augmented features, all epochs so far.</summary>
    public double FeatureSeconds { get; private set; }

    /// <summary>Training windows per training label (<see cref="Pipeline.Datasets.DatasetLoader.TrainingLabels"/> order),
    /// summed over every epoch drawn so far: the class frequencies the nets learn (<see cref="ClassBalance"/>).</summary>
    public long[] LabelCounts { get; } = new long[Pipeline.Datasets.DatasetLoader.TrainingLabels.Count];

    /// <summary>Sessions, clips and conditions of the current epoch, for logs.</summary>
    public string EpochDescription { get; private set; } = "";

    public void BeginEpoch(int epoch)
    {
        if (epoch == _epoch) return;
        _epoch = epoch;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var random = new Random(Seeds.Mix(_seed, epoch, 7));
        var sessions = new List<(string Speaker, List<int> Clips, LineCondition Line, int Seed)>();
        foreach (var (speaker, all) in _bySpeaker)
        {
            var chosen = all.ToArray();
            random.Shuffle(chosen);
            var remaining = chosen.Take(_recipe.ClipsPerSpeaker).ToList();
            while (remaining.Count > 0)
            {
                var session = NextSession(remaining, random);
                var line = _recipe.Augment ? LineCondition.Draw(random, _recipe.CleanShare, _recipe.PhoneLines, _recipe.BabbleShare) : LineCondition.Clean;
                sessions.Add((speaker, session, line, random.Next()));
            }
        }
        var work = sessions.SelectMany((s, i) => s.Clips.Select((clip, position) => (Session: i, Position: position, Clip: clip))).ToList();
        var features = new ClipFeatures[work.Count];
        Parallel.For(0, work.Count, new ParallelOptions { MaxDegreeOfParallelism = _recipe.Train.Threads }, i =>
        {
            var (s, position, clip) = work[i];
            var session = sessions[s];
            var clipRandom = new Random(Seeds.Mix(session.Seed, position, clip));
            double tempo = Tempo(session.Seed);
            var voice = Shuffled(session.Seed)
                ? LineSimulator.ShuffleSegments(_corpus.Audio(clip), new Random(Seeds.Mix(session.Seed ^ ShuffleSalt, position, clip)))
                : _corpus.Audio(clip);
            if (tempo != 1) voice = LineSimulator.Stretch(voice, tempo);
            double pitch = PitchShift(session.Seed);
            if (pitch != 0) voice = LineSimulator.ShiftPitchKeepingFormants(voice, pitch);
            double range = PitchRangeFactor(session.Seed);
            if (range != 1) voice = LineSimulator.ScalePitchRange(voice, range);
            double dynamics = Dynamics(session.Seed);
            if (dynamics != 1) voice = LineSimulator.ScaleDynamics(voice, dynamics);
            var audio = LineSimulator.Apply(voice, session.Line, clipRandom, _corpus.BabbleFor(session.Speaker, _clips));
            if (!float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(audio)))
            {
                // One poisoned example would turn every weight into NaN: train on the clean clip and say so.
                Console.Error.WriteLine($"warning: non-finite audio from '{session.Line.Describe()}' on {_corpus.Clips[clip].Name}; using the clean clip");
                audio = _corpus.Audio(clip);
            }
            features[i] = _corpus.Extract(clip, audio, FormantWarp(session.Seed));
        });

        var examples = new List<(ClipFeatures, int, float[], int)>();
        var clean = new List<(ClipFeatures, float[])?>();
        // The clean features of every training clip, computed on the first epoch and read by every later one.
        var cleanFeatures = _cleanViews ? _cleanFeatures ??= _corpus.Features(_clips).ToDictionary(f => f.Clip) : null;
        int k = 0;
        foreach (var session in sessions)
        {
            var baseline = new SpeakerBaseline();
            var cleanBaseline = new SpeakerBaseline();
            int speaker = _speakerIndex[session.Speaker];
            // A clean view is the same window of the same session heard clean; none where the session is clean already or
            // its timing or voice moved (speed, tempo, reordered pieces: the window would hold other words; formant warp, pitch, its range, dynamics: another voice).
            bool viewed = cleanFeatures is not null && session.Line != LineCondition.Clean && session.Line.Speed == 1 && FormantWarp(session.Seed) == 1 && Tempo(session.Seed) == 1 && PitchShift(session.Seed) == 0 && PitchRangeFactor(session.Seed) == 1 && Dynamics(session.Seed) == 1 && !Shuffled(session.Seed);
            foreach (var id in session.Clips)
            {
                var clip = features[k++];
                if (!_recipe.SessionAdaptation) { baseline.Reset(); cleanBaseline.Reset(); }
                var cleanBlocks = viewed ? CleanBlocks(cleanFeatures![id], cleanBaseline) : null;
                for (int u = 0; u < clip.Updates; u++)
                {
                    if (!clip.IsSpeech(u)) continue;
                    var block = new float[B];
                    clip.WalkSession(u, baseline, block);
                    examples.Add((clip, u, block, speaker));
                    if (cleanFeatures is not null)
                        clean.Add(cleanBlocks is not null && cleanFeatures[id].Updates == clip.Updates && cleanBlocks[u] is { } cleanBlock
                            ? (cleanFeatures[id], cleanBlock) : null);
                }
            }
        }
        _examples = examples;
        _clean = clean;
        foreach (var (clip, _, _, _) in examples) LabelCounts[clip.TrainingLabel]++;
        FeatureSeconds += watch.Elapsed.TotalSeconds;
        EpochDescription = $"epoch {epoch + 1}: {work.Count} clips in {sessions.Count} sessions, {examples.Count} speech windows, features {watch.Elapsed.TotalSeconds:F1} s";
    }

    public int Fill(int index, Span<float> frames, Span<float> stats)
    {
        var (clip, u, block, _) = _examples[index];
        Write(clip, u, block, frames, stats);
        return clip.TrainingLabel;
    }

    // One window as the model reads it: its frames (unless the net reads none), its statistics, then the session block.
    private void Write(ClipFeatures clip, int u, float[] block, Span<float> frames, Span<float> stats)
    {
        if (!frames.IsEmpty) clip.CopyWindow(u, _corpus.Options.UpdateFrames, frames);
        clip.UpdateStats(u)[..W].CopyTo(stats);
        block.CopyTo(stats[W..]);
    }

    /// <summary>Writes the clean view of example <paramref name="index"/> (the same window of its session heard clean, with
    /// the session block a clean session gives there) and returns true; false when it has none (a clean or time-moved
    /// session, a window that is not speech when heard clean, or a source without clean views).</summary>
    public bool FillClean(int index, Span<float> frames, Span<float> stats)
    {
        if (index >= _clean.Count || _clean[index] is not { } view) return false;
        Write(view.Clip, _examples[index].Update, view.Block, frames, stats);
        return true;
    }

    // The clean clip's session blocks by update, walking the clean session's baseline as a live session would (its own
    // speech windows only); null where the clean window is not speech.
    private static float[]?[] CleanBlocks(ClipFeatures clip, SpeakerBaseline baseline)
    {
        var blocks = new float[]?[clip.Updates];
        for (int u = 0; u < clip.Updates; u++)
        {
            if (!clip.IsSpeech(u)) continue;
            blocks[u] = new float[B];
            clip.WalkSession(u, baseline, blocks[u]);
        }
        return blocks;
    }

    /// <summary>Per-feature mean and 1/std of frame rows and of the statistics input over (a sample of) this epoch's examples,
    /// the frames shifted as <paramref name="net"/> shifts them (the source's recipe's net unless given: a paired
    /// candidate's own, <see cref="TrainingRecipe.FitPaired"/>).</summary>
    public (float[] FrameMean, float[] FrameScale, float[] StatsMean, float[] StatsScale) Standardisation(NetConfig? net = null, int maxExamples = 4000)
    {
        int f = FeatureSchema.FrameFeatureCount, s = FeatureSchema.WindowFeatureCount;
        var frameMoments = new Moments(f);
        var statsMoments = new Moments(s);
        var stats = new float[s];
        var seen = new HashSet<ClipFeatures>();
        net ??= _recipe.Net;
        var window = net.FrameShift == FrameShift.None ? [] : new float[net.Frames * f];
        var row = new float[f];
        var shift = new float[f];
        int step = Math.Max(1, Count / maxExamples);
        for (int i = 0; i < Count; i += step)
        {
            if (net.FrameShift != FrameShift.None)
            {
                // Shifted frames differ per window: take them as the network will see them.
                Fill(i, window, stats);
                statsMoments.Add(stats);
                EmotionNet.ShiftOf(net, stats, shift);
                for (int r = 0; r < net.Frames; r++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Subtract(window.AsSpan(r * f, f), shift, row);
                    frameMoments.Add(row);
                }
                continue;
            }
            Fill(i, [], stats);
            statsMoments.Add(stats);
            var clip = _examples[i].Clip;
            if (!seen.Add(clip)) continue;
            for (int r = 0; r < clip.FrameCount; r++) frameMoments.Add(clip.Frames.AsSpan(r * f, f));
        }
        var (frameMean, frameScale) = frameMoments.Finish();
        var (statsMean, statsScale) = statsMoments.Finish();
        return (frameMean, frameScale, statsMean, statsScale);
    }

    // A session: 3–SessionClips clips; half are balanced, half mostly (≈ 75 %) one emotion, neutral most often, since real
    // calls are not balanced and the baseline must not mistake a speaker's steady emotion for their neutral voice.
    private List<int> NextSession(List<int> remaining, Random random)
    {
        int length = Math.Min(remaining.Count, random.Next(3, _recipe.SessionClips + 1));
        int dominant = -1;
        if (random.NextDouble() < 0.5)
            dominant = random.NextDouble() < 0.4 ? EmotionLabels.Neutral : _corpus.Clips[remaining[random.Next(remaining.Count)]].Label;
        var session = new List<int>(length);
        while (session.Count < length)
        {
            int pick = 0;
            if (dominant >= 0 && random.NextDouble() < 0.75)
            {
                int match = remaining.FindIndex(c => _corpus.Clips[c].Label == dominant);
                if (match >= 0) pick = match;
            }
            session.Add(remaining[pick]);
            remaining.RemoveAt(pick);
        }
        return session;
    }

    private sealed class Moments(int n)
    {
        private readonly double[] _sum = new double[n], _squares = new double[n];
        private long _count;

        public void Add(ReadOnlySpan<float> values)
        {
            for (int k = 0; k < _sum.Length; k++) { double v = values[k]; _sum[k] += v; _squares[k] += v * v; }
            _count++;
        }

        public (float[] Mean, float[] Scale) Finish()
        {
            var mean = new float[_sum.Length];
            var scale = new float[_sum.Length];
            for (int k = 0; k < _sum.Length; k++)
            {
                double m = _sum[k] / Math.Max(1, _count);
                double std = Math.Sqrt(Math.Max(0, _squares[k] / Math.Max(1, _count) - m * m));
                mean[k] = (float)m;
                scale[k] = std > 1e-6 ? (float)(1 / std) : 1f;
            }
            return (mean, scale);
        }
    }

    /// <summary>The session's formant warp factor, from its own seed so that the recipe's other draws do not move.</summary>
    private double FormantWarp(int sessionSeed)
    {
        if (!_recipe.Augment || _recipe.FormantWarp <= 0) return 1;
        var r = new Random(Seeds.Mix(sessionSeed, 0x5741, 3));
        return 1 + _recipe.FormantWarp * (2 * r.NextDouble() - 1);
    }

    /// <summary>The session's tempo factor (1 = unchanged; above 1 faster), from its own seed so that the recipe's other
    /// draws do not move: a share of the sessions (half by default) draw it log-uniformly from 1/(1 + range) to 1 + range,
    /// the rest keep their own.</summary>
    private double Tempo(int sessionSeed)
    {
        if (!_recipe.Augment || _recipe.TempoRange <= 0) return 1;
        var r = new Random(Seeds.Mix(sessionSeed, 0x54454d, 5));
        if (r.NextDouble() < 1 - _recipe.TempoShare) return 1;
        double span = Math.Log(1 + _recipe.TempoRange);
        return Math.Exp(span * (2 * r.NextDouble() - 1));
    }

    /// <summary>The session's pitch shift in semitones (0 = unchanged), from its own seed so that the recipe's other draws
    /// do not move: half of the sessions keep their pitch, the rest draw it uniformly from −range to +range.</summary>
    private double PitchShift(int sessionSeed)
    {
        if (!_recipe.Augment || _recipe.PitchRange <= 0) return 0;
        var r = new Random(Seeds.Mix(sessionSeed, 0x504954, 8));
        if (r.NextDouble() < 0.5) return 0;
        return _recipe.PitchRange * (2 * r.NextDouble() - 1);
    }

    /// <summary>The session's loudness-dynamics exponent (1 = unchanged; <see cref="HalfMoved"/>).</summary>
    private double Dynamics(int sessionSeed) => HalfMoved(sessionSeed, 0x44594e, 9, _recipe.DynamicsRange);

    /// <summary>The session's pitch-range factor (1 = unchanged; <see cref="HalfMoved"/>).</summary>
    private double PitchRangeFactor(int sessionSeed) => HalfMoved(sessionSeed, 0x524e47, 10, _recipe.PitchRangeScale);

    /// <summary>A session's factor for a perturbation that moves half of the sessions, from the session's own seed salted
    /// apart from every other draw (so the recipe's other draws do not move): 1 for the half left alone and whenever the
    /// range is 0 or augmentation off, else log-uniform from 1/(1 + range) to 1 + range.</summary>
    private double HalfMoved(int sessionSeed, int salt, int stream, double range)
    {
        if (!_recipe.Augment || range <= 0) return 1;
        var r = new Random(Seeds.Mix(sessionSeed, salt, stream));
        if (r.NextDouble() < 0.5) return 1;
        return Math.Exp(Math.Log(1 + range) * (2 * r.NextDouble() - 1));
    }

    /// <summary>Whether the session's clips are heard with their speech pieces reordered, from its own seed so that the
    /// recipe's other draws do not move.</summary>
    private bool Shuffled(int sessionSeed) =>
        _recipe.Augment && _recipe.ShuffleShare > 0 && new Random(Seeds.Mix(sessionSeed, ShuffleSalt, 6)).NextDouble() < _recipe.ShuffleShare;

    /// <summary>Salts the reordering's draws (whether a session is reordered, and each clip's order) apart from the others.</summary>
    private const int ShuffleSalt = 0x534855;
}

using System.Collections.Concurrent;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>The labelled clips of one or more dataset paths, their decoded 16 kHz audio, and cached features per
/// evaluation condition.</summary>
public sealed class Corpus
{
    private readonly ConcurrentDictionary<(int Clip, string Condition), ClipFeatures> _features = new();
    private readonly float[]?[] _audio;
    private readonly List<string> _unreadable = [];

    public Corpus(IEnumerable<string> paths)
    {
        var clips = new List<DatasetClip>();
        foreach (var path in paths)
        {
            var dataset = DatasetLoader.Load(path);
            clips.AddRange(dataset.Clips);
            Skipped += dataset.Skipped;
        }
        if (clips.Count == 0) throw new InvalidOperationException($"no RAVDESS or TESS clips found in {string.Join(", ", paths)}");
        _audio = new float[]?[clips.Count];
        // Unreadable files are named and left out, so one bad file does not stop a whole corpus.
        var readable = new bool[clips.Count];
        Parallel.For(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            try
            {
                _audio[i] = clips[i].Load().To16k().Samples;
                readable[i] = true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                lock (_unreadable) _unreadable.Add($"{clips[i].Name}: {e.Message}");
            }
        });
        if (_unreadable.Count > 0)
        {
            Console.Error.WriteLine($"warning: {_unreadable.Count} unreadable file(s) left out:");
            foreach (var line in _unreadable.Order(StringComparer.Ordinal).Take(20)) Console.Error.WriteLine($"  {line}");
        }
        var keep = Enumerable.Range(0, clips.Count).Where(i => readable[i]).ToList();
        if (keep.Count == 0) throw new InvalidOperationException($"none of the {clips.Count} clips in {string.Join(", ", paths)} could be read");
        Clips = keep.Select(i => clips[i]).ToList();
        _audio = keep.Select(i => _audio[i]).ToArray();
        Skipped += _unreadable.Count;
        Speakers = Clips.Select(c => c.Speaker).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<DatasetClip> Clips { get; }

    /// <summary>Files left out: names that are not RAVDESS/TESS speech, and unreadable files.</summary>
    public int Skipped { get; }

    /// <summary>Unreadable files and why.</summary>
    public IReadOnlyList<string> Unreadable => _unreadable;

    public IReadOnlyList<string> Speakers { get; }

    public SessionOptions Options { get; } = SessionOptions.Default;

    /// <summary>The clip's clean audio at 16 kHz (decoded once, kept in memory).</summary>
    public float[] Audio(int clip) => _audio[clip]!;

    /// <summary>Clips of the given speakers.</summary>
    public List<int> ClipsOf(IEnumerable<string> speakers)
    {
        var set = speakers.ToHashSet();
        return Enumerable.Range(0, Clips.Count).Where(c => set.Contains(Clips[c].Speaker)).ToList();
    }

    /// <summary>A source of background talkers for a clip: random clips of other speakers among <paramref name="pool"/>.</summary>
    public Func<Random, float[]> BabbleFor(string speaker, IReadOnlyList<int> pool) => random =>
    {
        for (int attempt = 0; attempt < 64; attempt++)
        {
            int c = pool[random.Next(pool.Count)];
            if (Clips[c].Speaker != speaker) return Audio(c);
        }
        return Audio(pool[random.Next(pool.Count)]);
    };

    /// <summary>Computes (or reuses) features of the given clips heard through a named evaluation condition, on all
    /// cores. Background talkers come from the other speakers among the same clips. Deterministic.</summary>
    public IReadOnlyList<ClipFeatures> Features(IReadOnlyList<int> clips, string condition = "clean", Action<double>? progress = null)
    {
        LineCondition.Get(condition);
        int done = 0;
        Parallel.ForEach(clips, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            _features.GetOrAdd((c, condition), key => Extract(key.Clip, Heard(key.Clip, condition, clips)));
            progress?.Invoke((double)Interlocked.Increment(ref done) / clips.Count);
        });
        return clips.Select(c => _features[(c, condition)]).ToList();
    }

    /// <summary>The clip's audio as heard through a named condition (background talkers from other speakers in
    /// <paramref name="pool"/>); the same every time.</summary>
    public float[] Heard(int clip, string condition, IReadOnlyList<int> pool)
    {
        var random = new Random(Seeds.Mix(17, clip, StableHash(condition)));
        return LineSimulator.Apply(Audio(clip), LineCondition.Get(condition), random, BabbleFor(Clips[clip].Speaker, pool));
    }

    /// <summary>Drops cached features of these clips (cross-validation scores each clip in one fold only).</summary>
    public void Forget(IEnumerable<int> clips)
    {
        var set = clips.ToHashSet();
        foreach (var key in _features.Keys.Where(k => set.Contains(k.Clip)).ToList()) _features.TryRemove(key, out _);
    }

    /// <summary>Features of one clip's (possibly augmented) audio, not cached; <paramref name="formantWarp"/> other than 1
    /// hears it with its formants moved (training augmentation).</summary>
    public ClipFeatures Extract(int clip, float[] audio16k, double formantWarp = 1)
    {
        var c = Clips[clip];
        return new ClipFeatures(clip, IndexOfTrainingLabel(c.TrainingLabel), c.Label, c.Speaker, audio16k, Options, formantWarp);
    }

    /// <summary>Speaker-grouped folds: speakers sorted, dealt round-robin.</summary>
    public IReadOnlyList<int>[] Folds(int k)
    {
        var folds = Enumerable.Range(0, k).Select(_ => new List<int>()).ToArray();
        var fold = Speakers.Select((s, i) => (s, i % k)).ToDictionary(p => p.s, p => p.Item2);
        for (int c = 0; c < Clips.Count; c++) folds[fold[Clips[c].Speaker]].Add(c);
        return folds;
    }

    public static int IndexOfTrainingLabel(string label)
    {
        for (int i = 0; i < DatasetLoader.TrainingLabels.Count; i++) if (DatasetLoader.TrainingLabels[i] == label) return i;
        throw new ArgumentException($"unknown training label '{label}'");
    }

    /// <summary>A hash of a string that is the same in every process (string.GetHashCode is randomised).</summary>
    public static int StableHash(string text)
    {
        int h = 17;
        foreach (char ch in text) h = Seeds.Mix(h, ch, 3);
        return h;
    }
}

using System.Collections.Concurrent;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>The labelled clips of one or more dataset paths, and their cached features per augmentation variant.</summary>
public sealed class Corpus
{
    private readonly ConcurrentDictionary<(int Clip, int Variant), ClipFeatures> _features = new();

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
        Clips = clips;
        Speakers = clips.Select(c => c.Speaker).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<DatasetClip> Clips { get; }

    public int Skipped { get; }

    public IReadOnlyList<string> Speakers { get; }

    public SessionOptions Options { get; } = SessionOptions.Default;

    /// <summary>Computes (or reuses) features for the given clips × variants on all cores.</summary>
    public IReadOnlyList<ClipFeatures> Features(IReadOnlyList<int> clips, IReadOnlyList<int> variants, Action<double>? progress = null)
    {
        var work = clips.SelectMany(c => variants.Select(v => (c, v))).ToList();
        int done = 0;
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
        {
            _features.GetOrAdd(item, key =>
            {
                var clip = Clips[key.Clip];
                var audio = clip.Load().To16k().Samples;
                var augmented = Augmentation.Apply(key.Variant, audio, new Random(Seeds.Mix(17, key.Clip, key.Variant)));
                int trainingLabel = IndexOfTrainingLabel(clip.TrainingLabel);
                return new ClipFeatures(key.Clip, key.Variant, trainingLabel, clip.Label, clip.Speaker, augmented, Options);
            });
            progress?.Invoke((double)Interlocked.Increment(ref done) / work.Count);
        });
        return work.Select(item => _features[item]).ToList();
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
}

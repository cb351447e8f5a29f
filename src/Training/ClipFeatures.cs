using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Training;

/// <summary>
/// Cached features of one clip (as heard through one channel): all frame vectors, and at every update point (each 50
/// frames, as a live session) the model's statistics input and voiced fraction, computed with the serving code. The
/// session block of <see cref="Stats"/> is what a live session that heard only this clip would give.
/// </summary>
public sealed class ClipFeatures
{
    private static readonly int F = FeatureSchema.FrameFeatureCount;
    private static readonly int S = FeatureSchema.WindowFeatureCount;
    private static readonly int W = FeatureSchema.WindowStatisticsCount;

    public ClipFeatures(int clip, int trainingLabel, int label, string speaker, float[] audio16k, SessionOptions options, double formantWarp = 1)
    {
        Clip = clip;
        TrainingLabel = trainingLabel;
        Label = label;
        Speaker = speaker;
        WindowFrames = options.WindowFrames;
        Frames = FrameFeatureExtractor.ExtractAll(audio16k, formantWarp, out int count);
        FrameCount = count;
        Updates = count / options.UpdateFrames;
        _options = options;
        Stats = new float[Updates * S];
        VoicedFraction = new float[Updates];
        VoicedFrames = new int[Updates];
        WindowCounts = new int[Updates];
        Folds = new bool[Updates];
        var window = new WindowStatistics(options.WindowFrames);
        for (int k = 0; k < count; k++)
        {
            window.Push(Frames.AsSpan(k * F, F));
            if ((k + 1) % options.UpdateFrames != 0) continue;
            int u = (k + 1) / options.UpdateFrames - 1;
            window.Compute(Stats.AsSpan(u * S, S));
            VoicedFraction[u] = window.VoicedFraction;
            VoicedFrames[u] = window.VoicedFrames;
            WindowCounts[u] = window.Count;
            Folds[u] = SpeakerBaseline.Folds(window.UnvoicedRun, options.UpdateFrames);
        }
        var own = new SpeakerBaseline();
        for (int u = 0; u < Updates; u++)
            if (IsSpeech(u)) WalkSession(u, own, Stats.AsSpan(u * S + W, S - W));
    }

    private readonly SessionOptions _options;

    /// <summary>True when update <paramref name="u"/> holds speech (the live session scores it and feeds its baseline).</summary>
    public bool IsSpeech(int u) => _options.HoldsSpeech(VoicedFraction[u], VoicedFrames[u]);

    /// <summary>A live session's step at speech update <paramref name="u"/>: writes the session block relative to
    /// <paramref name="baseline"/>, then folds the update's window statistics into it unless the window is more than one step into a pause.</summary>
    public void WalkSession(int u, SpeakerBaseline baseline, Span<float> sessionBlock) => baseline.Step(Stats.AsSpan(u * S, W), sessionBlock, Folds[u]);

    public int Clip { get; }
    public int TrainingLabel { get; }
    public int Label { get; }
    public string Speaker { get; }
    public int WindowFrames { get; }
    public float[] Frames { get; }
    public int FrameCount { get; }
    public int Updates { get; }
    public float[] Stats { get; }
    public float[] VoicedFraction { get; }
    public int[] VoicedFrames { get; }

    /// <summary>Frames in the live window at each update: fewer than the window after an utterance restart.</summary>
    public int[] WindowCounts { get; }

    /// <summary>Whether each update's window is folded into a session's baseline (<see cref="SpeakerBaseline.Folds"/>).</summary>
    public bool[] Folds { get; }

    /// <summary>Frame count at the end of update <paramref name="u"/>.</summary>
    public int EndFrame(int u, int updateFrames) => (u + 1) * updateFrames;

    /// <summary>The frames input of update <paramref name="u"/>, exactly as WindowStatistics.CopyFrames gives it to the live
    /// model: the frames since the window last restarted (at most its last WindowFrames), tiled to fill the window.</summary>
    public void CopyWindow(int u, int updateFrames, Span<float> destination)
    {
        int end = EndFrame(u, updateFrames);
        int available = WindowCounts[u];
        if (available == 0)
        {
            destination[..(WindowFrames * F)].Clear();
            return;
        }
        int first = end - available;
        for (int r = 0; r < WindowFrames; r++)
            Frames.AsSpan((first + r % available) * F, F).CopyTo(destination.Slice(r * F, F));
    }

    public ReadOnlySpan<float> UpdateStats(int u) => Stats.AsSpan(u * S, S);
}

using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Training;

/// <summary>
/// Cached features of one clip (one augmentation variant): all frame vectors, and at every update point (each 50
/// frames, as a live session) the window statistics and voiced fraction, computed with the serving code.
/// </summary>
public sealed class ClipFeatures
{
    private static readonly int F = FeatureSchema.FrameFeatureCount;
    private static readonly int S = FeatureSchema.WindowFeatureCount;

    public ClipFeatures(int clip, int variant, int trainingLabel, int label, string speaker, float[] audio16k, SessionOptions options)
    {
        Clip = clip;
        Variant = variant;
        TrainingLabel = trainingLabel;
        Label = label;
        Speaker = speaker;
        WindowFrames = options.WindowFrames;
        Frames = FrameFeatureExtractor.ExtractAll(audio16k, out int count);
        FrameCount = count;
        Updates = count / options.UpdateFrames;
        Stats = new float[Updates * S];
        VoicedFraction = new float[Updates];
        var window = new WindowStatistics(options.WindowFrames);
        for (int k = 0; k < count; k++)
        {
            window.Push(Frames.AsSpan(k * F, F));
            if ((k + 1) % options.UpdateFrames != 0) continue;
            int u = (k + 1) / options.UpdateFrames - 1;
            window.Compute(Stats.AsSpan(u * S, S));
            VoicedFraction[u] = window.VoicedFraction;
        }
    }

    public int Clip { get; }
    public int Variant { get; }
    public int TrainingLabel { get; }
    public int Label { get; }
    public string Speaker { get; }
    public int WindowFrames { get; }
    public float[] Frames { get; }
    public int FrameCount { get; }
    public int Updates { get; }
    public float[] Stats { get; }
    public float[] VoicedFraction { get; }

    /// <summary>Frame count at the end of update <paramref name="u"/>.</summary>
    public int EndFrame(int u, int updateFrames) => (u + 1) * updateFrames;

    /// <summary>The frames input of update <paramref name="u"/>, exactly as WindowStatistics.CopyFrames gives it to the live model.</summary>
    public void CopyWindow(int u, int updateFrames, Span<float> destination)
    {
        int end = EndFrame(u, updateFrames);
        int available = Math.Min(end, WindowFrames);
        int first = end - available;
        for (int r = 0; r < WindowFrames; r++)
            Frames.AsSpan((first + r % available) * F, F).CopyTo(destination.Slice(r * F, F));
    }

    public ReadOnlySpan<float> UpdateStats(int u) => Stats.AsSpan(u * S, S);
}

using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>Per-session analysis settings (the same for every door).</summary>
public sealed record SessionOptions
{
    /// <summary>Window the model looks at, in frames of 10 ms (default 3 s).</summary>
    public int WindowFrames { get; init; } = FeatureSchema.DefaultWindowFrames;

    /// <summary>Update cadence in frames of 10 ms (default 0.5 s).</summary>
    public int UpdateFrames { get; init; } = FeatureSchema.UpdateFrames;

    /// <summary>A window with a smaller share of voiced frames holds no speech: no emotion is guessed.</summary>
    public float MinVoicedFraction { get; init; } = 0.15f;

    public static SessionOptions Default { get; } = new();
}

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

    /// <summary>A window with fewer voiced frames (0.2 s) holds no speech either: a window that has just restarted at a
    /// new utterance is not scored on a few frames.</summary>
    public int MinVoicedFrames { get; init; } = 20;

    /// <summary>The one speech gate, for the live session and for training.</summary>
    public bool HoldsSpeech(float voicedFraction, int voicedFrames) => voicedFraction >= MinVoicedFraction && voicedFrames >= MinVoicedFrames;

    public static SessionOptions Default { get; } = new();
}

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// The end-of-stream account of a session. Shares and mean probabilities are over speech updates only;
/// <see cref="Dominant"/> is null when the session held no speech.
/// </summary>
public sealed record SessionSummary(
    string SessionId,
    double DurationSeconds,
    double SpeechSeconds,
    int Updates,
    string? Dominant,
    float[] Share,
    float[] MeanProbabilities);

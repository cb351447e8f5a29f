namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// What the service says about one 0.5 s step of audio. Probabilities are in <see cref="Inference.EmotionLabels.All"/>
/// order; without speech they are all 0, <see cref="Top"/> is null and no emotion is guessed.
/// </summary>
public sealed record EmotionUpdate(
    string SessionId,
    int Seq,
    double AudioTime,
    double WindowSeconds,
    bool Speech,
    float VoicedFraction,
    float[] Probabilities,
    string? Top,
    float Confidence,
    float Arousal,
    float Valence,
    float LoudnessDb,
    float PitchHz);

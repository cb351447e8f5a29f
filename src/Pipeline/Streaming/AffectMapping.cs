using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// Arousal and valence (−1…1) as probability-weighted circumplex coordinates of the seven labels
/// (placement after Russell's circumplex model of affect; documented in docs/PROTOCOL.md).
/// </summary>
public static class AffectMapping
{
    /// <summary>(arousal, valence) per label, in <see cref="EmotionLabels.All"/> order.</summary>
    public static IReadOnlyList<(float Arousal, float Valence)> Coordinates { get; } =
    [
        (0.0f, 0.0f),   // neutral
        (0.5f, 0.8f),   // happy
        (-0.6f, -0.6f), // sad
        (0.8f, -0.6f),  // angry
        (0.6f, -0.7f),  // fearful
        (0.3f, -0.7f),  // disgust
        (0.7f, 0.3f),   // surprised
    ];

    public static (float Arousal, float Valence) From(ReadOnlySpan<float> probabilities)
    {
        float arousal = 0, valence = 0;
        for (int i = 0; i < EmotionLabels.Count; i++)
        {
            arousal += probabilities[i] * Coordinates[i].Arousal;
            valence += probabilities[i] * Coordinates[i].Valence;
        }
        return (arousal, valence);
    }
}

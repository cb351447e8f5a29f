using MessagePack;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>The wire shape of an <see cref="EmotionUpdate"/>: probabilities keyed by label.</summary>
[MessagePackObject]
public sealed record EmotionUpdateMessage(
    [property: Key("sessionId")] string SessionId,
    [property: Key("seq")] int Seq,
    [property: Key("audioTime")] double AudioTime,
    [property: Key("windowSeconds")] double WindowSeconds,
    [property: Key("speech")] bool Speech,
    [property: Key("voicedFraction")] float VoicedFraction,
    [property: Key("probabilities")] Dictionary<string, float> Probabilities,
    [property: Key("top")] string? Top,
    [property: Key("confidence")] float Confidence,
    [property: Key("arousal")] float Arousal,
    [property: Key("valence")] float Valence,
    [property: Key("loudnessDb")] float LoudnessDb,
    [property: Key("pitchHz")] float PitchHz)
{
    public static EmotionUpdateMessage From(EmotionUpdate u) => new(u.SessionId, u.Seq, u.AudioTime, u.WindowSeconds, u.Speech,
        u.VoicedFraction, ByLabel(u.Probabilities), u.Top, u.Confidence, u.Arousal, u.Valence, u.LoudnessDb, u.PitchHz);

    internal static Dictionary<string, float> ByLabel(float[] values)
    {
        var map = new Dictionary<string, float>(EmotionLabels.Count);
        for (int i = 0; i < EmotionLabels.Count; i++) map[EmotionLabels.All[i]] = values[i];
        return map;
    }
}

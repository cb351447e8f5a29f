using MessagePack;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Contracts;

[MessagePackObject]
public sealed record SessionSummaryMessage(
    [property: Key("sessionId")] string SessionId,
    [property: Key("durationSeconds")] double DurationSeconds,
    [property: Key("speechSeconds")] double SpeechSeconds,
    [property: Key("updates")] int Updates,
    [property: Key("dominant")] string? Dominant,
    [property: Key("share")] Dictionary<string, float> Share,
    [property: Key("meanProbabilities")] Dictionary<string, float> MeanProbabilities)
{
    public static SessionSummaryMessage From(SessionSummary s) => new(s.SessionId, s.DurationSeconds, s.SpeechSeconds, s.Updates,
        s.Dominant, EmotionUpdateMessage.ByLabel(s.Share), EmotionUpdateMessage.ByLabel(s.MeanProbabilities));
}

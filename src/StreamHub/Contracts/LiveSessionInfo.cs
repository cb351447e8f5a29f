using MessagePack;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>A live session as supervisors see it in ListSessions / Watch: where it comes from, its call and role in it,
/// and how it is going (the latest update's top emotion and confidence, the negative share of its speech so far, alerts).</summary>
[MessagePackObject]
public sealed record LiveSessionInfo(
    [property: Key("sessionId")] string SessionId,
    [property: Key("source")] string? Source,
    [property: Key("label")] string? Label,
    [property: Key("callId")] string? CallId,
    [property: Key("track")] string? Track,
    [property: Key("startedAt")] DateTimeOffset StartedAt,
    [property: Key("audioSeconds")] double AudioSeconds,
    [property: Key("owner")] string? Owner,
    [property: Key("role")] string? Role = null,
    [property: Key("agent")] string? Agent = null,
    [property: Key("queue")] string? Queue = null,
    [property: Key("emotion")] string? Emotion = null,
    [property: Key("confidence")] float Confidence = 0,
    [property: Key("speech")] bool Speech = false,
    [property: Key("negativeShare")] double NegativeShare = 0,
    [property: Key("alerts")] int Alerts = 0)
{
    public static LiveSessionInfo From(LiveSession s)
    {
        var latest = s.Latest;
        return new(s.Id, s.Source, s.Label, s.CallId, s.Track, s.StartedAt, s.Pipeline.AudioSeconds, s.Owner, s.Role, s.Agent, s.Queue,
            latest?.Top, latest?.Confidence ?? 0, latest?.Speech ?? false, s.NegativeShare, s.Alerts);
    }
}

using MessagePack;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>A live session as supervisors see it in ListSessions / Watch.</summary>
[MessagePackObject]
public sealed record LiveSessionInfo(
    [property: Key("sessionId")] string SessionId,
    [property: Key("source")] string? Source,
    [property: Key("label")] string? Label,
    [property: Key("callId")] string? CallId,
    [property: Key("track")] string? Track,
    [property: Key("startedAt")] DateTimeOffset StartedAt,
    [property: Key("audioSeconds")] double AudioSeconds,
    [property: Key("owner")] string? Owner)
{
    public static LiveSessionInfo From(LiveSession s) =>
        new(s.Id, s.Source, s.Label, s.CallId, s.Track, s.StartedAt, s.Pipeline.AudioSeconds, s.Owner);
}

using MessagePack;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>An alert raised by a rule on a live session (docs/PROTOCOL.md).</summary>
[MessagePackObject]
public sealed record AlertMessage(
    [property: Key("alertId")] string AlertId,
    [property: Key("sessionId")] string SessionId,
    [property: Key("rule")] string Rule,
    [property: Key("label")] string Label,
    [property: Key("startTime")] double StartTime,
    [property: Key("sustainedSeconds")] double SustainedSeconds,
    [property: Key("meanProbability")] double MeanProbability,
    [property: Key("source")] string? Source,
    [property: Key("callId")] string? CallId,
    [property: Key("track")] string? Track,
    [property: Key("raisedAt")] DateTimeOffset RaisedAt);

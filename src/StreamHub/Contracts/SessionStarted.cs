using MessagePack;

namespace VoiceEmotion.StreamHub.Contracts;

[MessagePackObject]
public sealed record SessionStarted(
    [property: Key("sessionId")] string SessionId,
    [property: Key("updateIntervalSeconds")] double UpdateIntervalSeconds,
    [property: Key("windowSeconds")] double WindowSeconds,
    [property: Key("labels")] IReadOnlyList<string> Labels);

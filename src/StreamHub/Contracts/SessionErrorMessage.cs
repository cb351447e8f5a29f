using MessagePack;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>Why a session ended early. Codes are stable (docs/PROTOCOL.md); messages are for people.</summary>
[MessagePackObject]
public sealed record SessionErrorMessage(
    [property: Key("sessionId")] string? SessionId,
    [property: Key("code")] string Code,
    [property: Key("message")] string Message);

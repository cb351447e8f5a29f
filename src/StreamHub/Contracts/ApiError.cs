using System.Text.Json.Serialization;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>Body of every HTTP error: a stable code (docs/PROTOCOL.md) and a message naming the problem.</summary>
public sealed record ApiError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("message")] string Message);

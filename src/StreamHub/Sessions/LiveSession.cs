using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// A live session from any door: the streaming pipeline, whose it is, who owns it (a hub connection, or none for a phone bridge),
/// what call and track it belongs to, and the task forwarding its updates.
/// </summary>
public sealed class LiveSession(string id, string? connectionId, SessionPipeline pipeline, string? source, string? label,
    string? callId = null, string? track = null, string? owner = null)
{
    /// <summary>Who streams it (an API key's name or a token's subject): clients see only sessions they own.</summary>
    public string? Owner { get; } = owner;
    public string Id { get; } = id;
    public string? ConnectionId { get; } = connectionId;
    public SessionPipeline Pipeline { get; } = pipeline;
    public string? Source { get; } = source;
    public string? Label { get; } = label;
    public string? CallId { get; } = callId;
    public string? Track { get; } = track;
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public int Streaming;
    public Task Forwarding { get; set; } = Task.CompletedTask;
}

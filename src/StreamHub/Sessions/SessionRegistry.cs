using System.Collections.Concurrent;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>Live sessions by id, with their owning connection; enforces the session limits.</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, LiveSession> _sessions = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public int Count => _sessions.Count;

    public IReadOnlyCollection<LiveSession> All => [.. _sessions.Values];

    /// <summary>Adds a session unless a limit is reached; returns the error code otherwise.</summary>
    public string? TryAdd(LiveSession session, int maxSessions, int maxPerConnection)
    {
        lock (_gate)
        {
            if (_sessions.Count >= maxSessions) return HubError.TooManySessions;
            if (session.ConnectionId is not null && _sessions.Values.Count(s => s.ConnectionId == session.ConnectionId) >= maxPerConnection)
                return HubError.TooManyStreams;
            _sessions[session.Id] = session;
            return null;
        }
    }

    public LiveSession? Get(string id) => _sessions.TryGetValue(id, out var s) ? s : null;

    public void Remove(string id) => _sessions.TryRemove(id, out _);

    public IReadOnlyList<LiveSession> ForConnection(string connectionId) => _sessions.Values.Where(s => s.ConnectionId == connectionId).ToList();
}

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

using System.Collections.Concurrent;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// This node's live sessions by id, with their owning connection; enforces the session limits. On a single node it is
/// also the <see cref="ISessionDirectory"/> (with ScaleOut:Redis, <see cref="ScaleOut.RedisSessionDirectory"/> adds
/// the other nodes').
/// </summary>
public sealed class NodeSessions : ISessionDirectory
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

    public Task<IReadOnlyList<LiveSessionInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<LiveSessionInfo>>(All.Select(LiveSessionInfo.From).ToList());

    public Task<LiveSessionInfo?> GetAsync(string sessionId) =>
        Task.FromResult(Get(sessionId) is { } s ? LiveSessionInfo.From(s) : null);
}

using System.Collections.Concurrent;
using System.Runtime.InteropServices;
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
    private readonly Lock _gate = new();
    // Under _gate: the limits are checked in O(1). (Counting a connection's sessions over a snapshot of all of them made
    // N call starts cost O(N²): 2,000 at once copied and scanned ≈ 2 million entries under this lock.)
    private readonly Dictionary<string, int> _perConnection = new(StringComparer.Ordinal);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyCollection<LiveSession> All => [.. _sessions.Values];

    /// <summary>Adds a session unless a limit is reached; returns the error code otherwise.</summary>
    public string? TryAdd(LiveSession session, int maxSessions, int maxPerConnection)
    {
        lock (_gate)
        {
            if (_count >= maxSessions) return HubError.TooManySessions;
            int onConnection = session.ConnectionId is null ? 0 : _perConnection.GetValueOrDefault(session.ConnectionId);
            if (session.ConnectionId is not null && onConnection >= maxPerConnection) return HubError.TooManyStreams;
            if (!_sessions.TryAdd(session.Id, session)) throw new InvalidOperationException($"session {session.Id} is already registered");
            Volatile.Write(ref _count, _count + 1);
            if (session.ConnectionId is not null) _perConnection[session.ConnectionId] = onConnection + 1;
            return null;
        }
    }

    public LiveSession? Get(string id) => _sessions.TryGetValue(id, out var s) ? s : null;

    public void Remove(string id)
    {
        lock (_gate)
        {
            if (!_sessions.TryRemove(id, out var session)) return;
            Volatile.Write(ref _count, _count - 1);
            if (session.ConnectionId is { } connection && --CollectionsMarshal.GetValueRefOrNullRef(_perConnection, connection) == 0)
                _perConnection.Remove(connection);
        }
    }

    public IReadOnlyList<LiveSession> ForConnection(string connectionId) => _sessions.Values.Where(s => s.ConnectionId == connectionId).ToList();

    public Task<IReadOnlyList<LiveSessionInfo>> ListAsync() =>
        Task.FromResult<IReadOnlyList<LiveSessionInfo>>(All.Select(LiveSessionInfo.From).ToList());

    public Task<LiveSessionInfo?> GetAsync(string sessionId) =>
        Task.FromResult(Get(sessionId) is { } s ? LiveSessionInfo.From(s) : null);
}

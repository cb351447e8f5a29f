using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// This node's hub connections, and which of them watch which of this node's sessions or subscribe to alerts.
/// <see cref="SessionForwarder"/> sends to these listeners one by one, so it knows which connection stopped taking data and can drop
/// exactly that one (a SignalR group send cannot say which member is stuck, and a cancelled write does not end the
/// connection). Listeners on other nodes, and watchers of other nodes' sessions, are reached through the SignalR groups,
/// which the Redis backplane spans. Reads (once per update) take no lock; changes (watch, unwatch, disconnect, a
/// session's end) are rare and take one, so that a watcher set is removed only while it is really empty.
/// </summary>
public sealed class ListenerRegistry
{
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _watchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _alertSubscribers = new(StringComparer.Ordinal);

    public void Connected(HubCallerContext context) => _connections[context.ConnectionId] = context;

    public void Disconnected(string connectionId)
    {
        _connections.TryRemove(connectionId, out _);
        _alertSubscribers.TryRemove(connectionId, out _);
        lock (_gate)
            foreach (var sessionId in _watchers.Keys) RemoveWatcher(sessionId, connectionId);
    }

    public void Watch(string sessionId, string connectionId)
    {
        lock (_gate) _watchers.GetOrAdd(sessionId, _ => new(StringComparer.Ordinal))[connectionId] = 0;
    }

    public void Unwatch(string sessionId, string connectionId)
    {
        lock (_gate) RemoveWatcher(sessionId, connectionId);
    }

    /// <summary>The session has ended: nobody watches it any more.</summary>
    public void Forget(string sessionId)
    {
        lock (_gate) _watchers.TryRemove(sessionId, out _);
    }

    public void SubscribeAlerts(string connectionId) => _alertSubscribers[connectionId] = 0;

    public bool HasWatchers(string sessionId) => _watchers.TryGetValue(sessionId, out var set) && !set.IsEmpty;

    public bool HasAlertSubscribers => !_alertSubscribers.IsEmpty;

    public IReadOnlyList<string> WatchersOf(string sessionId) => _watchers.TryGetValue(sessionId, out var set) ? [.. set.Keys] : [];

    public IReadOnlyList<string> AlertSubscribers => [.. _alertSubscribers.Keys];

    /// <summary>Ends a connection (the client sees it closed; its own sessions end as on any disconnect).</summary>
    public bool Abort(string connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var context)) return false;
        context.Abort();
        return true;
    }

    // Under _gate. A set left empty goes, so a watch that outlived its session (it ended between the lookup and the
    // watch) leaves nothing behind once its connection unwatches or goes.
    private void RemoveWatcher(string sessionId, string connectionId)
    {
        if (!_watchers.TryGetValue(sessionId, out var set)) return;
        set.TryRemove(connectionId, out _);
        if (set.IsEmpty) _watchers.TryRemove(sessionId, out _);
    }
}

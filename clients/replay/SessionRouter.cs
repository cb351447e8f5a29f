using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.SignalR.Client;

namespace VoiceEmotion.Replay;

/// <summary>One connection's event handlers, routing updates, summaries and errors to the session that owns them.</summary>
public sealed class SessionRouter
{
    private readonly ConcurrentDictionary<string, ISessionListener> _listeners = new();

    public SessionRouter(HubConnection connection)
    {
        Connection = connection;
        connection.On<EmotionUpdate>("EmotionUpdate", u => Get(u.SessionId)?.OnUpdate(u));
        connection.On<SessionSummary>("SessionSummary", s => Get(s.SessionId)?.OnSummary(s));
        connection.On<SessionError>("SessionError", e => { if (e.SessionId is not null) Get(e.SessionId)?.OnError(e); });
    }

    public HubConnection Connection { get; }

    public void Register(string sessionId, ISessionListener listener) => _listeners[sessionId] = listener;

    public void Unregister(string sessionId) => _listeners.TryRemove(sessionId, out _);

    private ISessionListener? Get(string id) => _listeners.TryGetValue(id, out var l) ? l : null;

    public static async Task<SessionRouter> ConnectAsync(Uri hub, string protocol, string? token, CancellationToken cancellationToken)
    {
        var builder = new HubConnectionBuilder().WithUrl(hub, o => { if (!string.IsNullOrEmpty(token)) o.AccessTokenProvider = () => Task.FromResult<string?>(token); });
        if (protocol == "messagepack") builder.AddMessagePackProtocol();
        var connection = builder.Build();
        connection.ServerTimeout = TimeSpan.FromSeconds(60);
        var router = new SessionRouter(connection);
        await connection.StartAsync(cancellationToken);
        return router;
    }
}

public interface ISessionListener
{
    void OnUpdate(EmotionUpdate update);
    void OnSummary(SessionSummary summary);
    void OnError(SessionError error);
}

using Microsoft.AspNetCore.SignalR;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace VoiceEmotion.Client;

/// <summary>A supervisor watching a live session (Watch): its updates, alerts and summary as its owner gets them,
/// from the moment of the call on. Disposing unwatches.</summary>
public sealed class SessionWatch : SessionFeed, IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Action<string> _forget;

    internal SessionWatch(HubConnection connection, LiveSessionInfo info, Action<string> forget) : base(info.SessionId, bufferUpdates: true)
    {
        _connection = connection;
        _forget = forget;
        Info = info;
    }

    /// <summary>The session as Watch described it.</summary>
    public LiveSessionInfo Info { get; }

    /// <summary>Stops watching (Unwatch).</summary>
    public async ValueTask DisposeAsync()
    {
        _forget(SessionId);
        if (!Ended && _connection.State == HubConnectionState.Connected)
        {
            try { await _connection.InvokeAsync("Unwatch", SessionId); }
            catch (Exception e) when (e is HubException or InvalidOperationException) { /* the session or connection ended meanwhile */ }
        }
    }
}

/// <summary>Every session's alerts (SubscribeAlerts; supervisors): the recent ones, then each new one.</summary>
public sealed class AlertSubscription : IDisposable
{
    private readonly Channel<AlertMessage> _alerts = Channel.CreateUnbounded<AlertMessage>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Action<AlertSubscription> _forget;

    internal AlertSubscription(Action<AlertSubscription> forget) => _forget = forget;

    /// <summary>This node's recent alerts at the time of subscribing, oldest first.</summary>
    public IReadOnlyList<AlertMessage> Recent { get; internal set; } = [];

    /// <summary>Alerts raised after subscribing, as they come; fails with <see cref="ErrorCodes.ConnectionLost"/> when
    /// the connection drops (subscribe again after a reconnect).</summary>
    public async IAsyncEnumerable<AlertMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _alerts.Reader.WaitToReadAsync(cancellationToken))
            while (_alerts.Reader.TryRead(out var alert)) yield return alert;
    }

    internal void OnAlert(AlertMessage alert) => _alerts.Writer.TryWrite(alert);

    internal void Fail(VoiceEmotionException error) => _alerts.Writer.TryComplete(error);

    /// <summary>Stops delivering alerts here (the hub has no unsubscribe: they stop with the connection).</summary>
    public void Dispose()
    {
        _forget(this);
        _alerts.Writer.TryComplete();
    }
}

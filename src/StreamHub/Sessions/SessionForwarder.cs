using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Alerts;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Hubs;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// Sends a session's updates, in order, to its owning connection (if any), to every supervisor watching it, and alerts
/// to alert subscribers; then its summary or the error that ended it; and records all of it in the call log.
/// The owner is sent to first, inline; watchers and subscribers through a bounded per-session queue, so they can never
/// hold up the owner or the log. Listeners on this node are sent to one by one: one that takes no data for
/// <see cref="StreamHubOptions.SlowClientSendTimeoutSeconds"/> (it stopped reading) is dropped. Listeners on other nodes
/// are reached through the SignalR groups <c>watch:{id}</c> and <c>alerts</c> (Redis backplane).
/// </summary>
public sealed class SessionForwarder(IHubContext<EmotionHub> hub, AlertEngine alerts, WebhookSender webhooks, CallLogWriter log, Observability.HubMetrics metrics,
    ListenerRegistry listeners, UpdateOutboxes outboxes, NodeSessions sessions, Microsoft.Extensions.Options.IOptions<StreamHubOptions> options,
    Microsoft.Extensions.Options.IOptions<ScaleOut.ScaleOutOptions> scaleOut, ILogger<SessionForwarder> logger)
{
    private readonly TimeSpan _sendTimeout = TimeSpan.FromSeconds(options.Value.SlowClientSendTimeoutSeconds);
    private readonly bool _otherNodes = scaleOut.Value.Enabled;

    /// <summary>SignalR group of supervisors subscribed to alerts from every session.</summary>
    public const string AlertsGroup = "alerts";

    public static string WatchGroup(string sessionId) => $"watch:{sessionId}";

    /// <summary>Messages for watchers and alert subscribers waiting per session; beyond this they are dropped (and counted).</summary>
    public const int WatcherQueueLength = 256;

    private readonly record struct Outgoing(string Method, object Message, bool ToAlertSubscribers);

    public async Task ForwardAsync(LiveSession session)
    {
        var others = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(WatcherQueueLength) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.DropWrite });
        var pump = PumpAsync(session, others.Reader);
        async Task Send(string method, object message, bool toAlertSubscribers = false)
        {
            if (session.ConnectionId is { } owner) await SendToConnectionAsync(session, owner, method, message);
            SendToOthers(method, message, toAlertSubscribers);
        }
        void SendToOthers(string method, object message, bool toAlertSubscribers = false)
        {
            // Nobody else to tell (the common case on a single node): skip the queue. Watching starts "from now on".
            if ((_otherNodes || listeners.HasWatchers(session.Id)) && !others.Writer.TryWrite(new Outgoing(method, message, false)))
                metrics.Error("watcher_dropped");
            if (toAlertSubscribers && (_otherNodes || listeners.HasAlertSubscribers) && !others.Writer.TryWrite(new Outgoing(method, message, true)))
                metrics.Error("watcher_dropped");
        }
        bool Others() => _otherNodes || listeners.HasWatchers(session.Id);

        var pipeline = session.Pipeline;
        bool ended = false;
        log.Enqueue(new LogItem.Started(new SessionRecord(session.Id, session.Source ?? "hub", session.Label, session.CallId, session.Track, session.StartedAt, Owner: session.Owner,
            Role: session.Role, Agent: session.Agent, Queue: session.Queue)));
        try
        {
            await foreach (var update in pipeline.Updates.ReadAllAsync())
            {
                log.Enqueue(new LogItem.Update(update));
                if (!session.Compact) await Send("EmotionUpdate", EmotionUpdateMessage.From(update));
                else
                {
                    // The owner asked for arrays; watchers get the map shape, built only when there are any.
                    if (session.ConnectionId is { } owner)
                    {
                        var compact = EmotionUpdateCompact.From(update);
                        // Batched: with the connection's other batched sessions' updates, one message per burst.
                        if (session.Batched) await outboxes.SendAsync(owner, compact, batch => SendToConnectionAsync(session, owner, "EmotionUpdateBatch", batch));
                        else await SendToConnectionAsync(session, owner, "EmotionUpdateCompact", compact);
                    }
                    if (Others()) SendToOthers("EmotionUpdate", EmotionUpdateMessage.From(update));
                }
                if (session.ConnectionId is not null) metrics.UpdateDelivered(pipeline.ReadyTimestamp(update.Seq));
                metrics.UpdateSent(session.Source);
                var raised = alerts.Observe(session, update);
                session.Observed(update, raised.Count);
                foreach (var alert in raised)
                {
                    log.Enqueue(new LogItem.Raised(alert));
                    webhooks.Enqueue(alert);
                    logger.LogWarning("Alert {Rule} on session {SessionId} (call {CallId}): {Label} {Probability:F2} for {Seconds:F1} s",
                        alert.Rule, session.Id, session.CallId, alert.Label, alert.MeanProbability, alert.SustainedSeconds);
                    await Send("Alert", alert, toAlertSubscribers: true);
                }
            }
            var summary = pipeline.Summarize();
            log.Enqueue(new LogItem.Ended(summary, DateTimeOffset.UtcNow));
            ended = true;
            // The session leaves the node before its summary goes out: a client that has the summary may start another
            // session in its place at once (it used to be refused too_many_streams until the hub caught up).
            sessions.Remove(session.Id);
            if (session.Refused) SendToOthers("SessionSummary", SessionSummaryMessage.From(summary));
            else await Send("SessionSummary", SessionSummaryMessage.From(summary));
            logger.LogInformation("Session {SessionId} ({Source}, call {CallId}, track {Track}) complete: {Seconds:F1} s audio, {Updates} updates, dominant {Dominant}",
                session.Id, session.Source, session.CallId, session.Track, summary.DurationSeconds, summary.Updates, summary.Dominant ?? "none");
        }
        catch (Exception e)
        {
            var error = e is AggregateException a ? a.InnerException! : e;
            string code = error is AudioFormatException ? HubError.ChunkInvalid : HubError.Internal;
            logger.LogWarning("Session {SessionId} failed: {Code} {Message}", session.Id, code, error.Message);
            metrics.Error(code);
            sessions.Remove(session.Id);
            await Send("SessionError", new SessionErrorMessage(session.Id, code, error.Message));
        }
        finally
        {
            alerts.Forget(session.Id);
            // A failed session is logged with what it had analysed.
            if (!ended) log.Enqueue(new LogItem.Ended(pipeline.Summarize(), DateTimeOffset.UtcNow));
            others.Writer.TryComplete();
            // Watchers get what is queued, but a stuck listener or a dead backplane does not hold the session's end (or a
            // shutdown) for long: the queue goes on draining in the background.
            await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(2)));
        }
    }

    private async Task PumpAsync(LiveSession session, ChannelReader<Outgoing> queue)
    {
        await foreach (var message in queue.ReadAllAsync())
        {
            var local = message.ToAlertSubscribers ? listeners.AlertSubscribers : listeners.WatchersOf(session.Id);
            var sends = new List<Task>(local.Count + 1);
            foreach (var connection in local) sends.Add(SendToConnectionAsync(session, connection, message.Method, message.Message));
            if (_otherNodes)
            {
                // The same group on the other nodes; this node's members were served above.
                var group = hub.Clients.GroupExcept(message.ToAlertSubscribers ? AlertsGroup : WatchGroup(session.Id), local);
                sends.Add(SendAsync(session, group, message.Method, message.Message));
            }
            await Task.WhenAll(sends);
        }
        listeners.Forget(session.Id);
    }

    /// <summary>One connection on this node; dropped if it takes no data for the send timeout.</summary>
    private async Task SendToConnectionAsync(LiveSession session, string connectionId, string method, object message)
    {
        if (await SendAsync(session, hub.Clients.Client(connectionId), method, message)) return;
        if (listeners.Abort(connectionId))
            logger.LogWarning("Session {SessionId}: connection {ConnectionId} took no {Method} for {Seconds} s (it stopped reading); dropped",
                session.Id, connectionId, method, _sendTimeout.TotalSeconds);
    }

    /// <summary>
    /// Sends, waiting at most the send timeout; false when that ran out (the caller then drops a single connection; a
    /// group send finishes or fails on its own). A failure to send (a listener gone, the backplane down) is counted,
    /// never fatal to the session. Almost every send completes at once: only a pending one costs a timer.
    /// </summary>
    private async Task<bool> SendAsync(LiveSession session, IClientProxy target, string method, object message)
    {
        try
        {
            var send = target.SendAsync(method, message);
            if (send.IsCompleted) await send;
            else await send.WaitAsync(_sendTimeout);
            return true;
        }
        catch (TimeoutException)
        {
            metrics.Error("slow_client");
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.Error("send_failed");
            logger.LogWarning("Session {SessionId}: sending {Method} failed: {Message}", session.Id, method, e.Message);
            return true;
        }
    }
}

using Microsoft.AspNetCore.SignalR;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Alerts;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Hubs;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// Sends a session's updates, in order, to its owning connection (if any) and to every supervisor watching it
/// (SignalR group <c>watch:{id}</c>), then its summary or the error that ended it; and records all of it in the call log.
/// </summary>
public sealed class SessionBroadcaster(IHubContext<EmotionHub> hub, AlertEngine alerts, CallLogWriter log, Observability.HubMetrics metrics,
    Microsoft.Extensions.Options.IOptions<StreamHubOptions> options, ILogger<SessionBroadcaster> logger)
{
    private readonly TimeSpan _sendTimeout = TimeSpan.FromSeconds(options.Value.SlowClientSendTimeoutSeconds);

    /// <summary>SignalR group of supervisors subscribed to alerts from every session.</summary>
    public const string AlertsGroup = "alerts";

    public static string WatchGroup(string sessionId) => $"watch:{sessionId}";

    public async Task ForwardAsync(LiveSession session)
    {
        IClientProxy watchers = hub.Clients.Group(WatchGroup(session.Id));
        IClientProxy targets = session.ConnectionId is null ? watchers : new Fanout(hub.Clients.Client(session.ConnectionId), watchers);
        var pipeline = session.Pipeline;
        bool ended = false;
        log.Enqueue(new LogItem.Started(new SessionRecord(session.Id, session.Source ?? "hub", session.Label, session.CallId, session.Track, session.StartedAt, Owner: session.Owner)));
        try
        {
            await foreach (var update in pipeline.Updates.ReadAllAsync())
            {
                log.Enqueue(new LogItem.Update(update));
                await SendAsync(session, targets, "EmotionUpdate", EmotionUpdateMessage.From(update));
                metrics.UpdateSent(session.Source);
                foreach (var alert in alerts.Observe(session, update))
                {
                    log.Enqueue(new LogItem.Raised(alert));
                    logger.LogWarning("Alert {Rule} on session {SessionId} (call {CallId}): {Label} {Probability:F2} for {Seconds:F1} s",
                        alert.Rule, session.Id, session.CallId, alert.Label, alert.MeanProbability, alert.SustainedSeconds);
                    await Task.WhenAll(SendAsync(session, targets, "Alert", alert), SendAsync(session, hub.Clients.Group(AlertsGroup), "Alert", alert));
                }
            }
            var summary = pipeline.Summarize();
            log.Enqueue(new LogItem.Ended(summary, DateTimeOffset.UtcNow));
            ended = true;
            await SendAsync(session, targets, "SessionSummary", SessionSummaryMessage.From(summary));
            logger.LogInformation("Session {SessionId} ({Source}, call {CallId}, track {Track}) complete: {Seconds:F1} s audio, {Updates} updates, dominant {Dominant}",
                session.Id, session.Source, session.CallId, session.Track, summary.DurationSeconds, summary.Updates, summary.Dominant ?? "none");
        }
        catch (Exception e)
        {
            var error = e is AggregateException a ? a.InnerException! : e;
            string code = error is AudioFormatException ? HubError.ChunkInvalid : HubError.Internal;
            logger.LogWarning("Session {SessionId} failed: {Code} {Message}", session.Id, code, error.Message);
            metrics.Error(code);
            try { await targets.SendAsync("SessionError", new SessionErrorMessage(session.Id, code, error.Message)); }
            catch (Exception) { /* the connection is gone */ }
        }
        finally
        {
            alerts.Forget(session.Id);
            // A failed session is logged with what it had analysed.
            if (!ended) log.Enqueue(new LogItem.Ended(pipeline.Summarize(), DateTimeOffset.UtcNow));
        }
    }

    /// <summary>
    /// Sends, but waits at most <see cref="StreamHubOptions.SlowClientSendTimeoutSeconds"/> for a connection that has
    /// stopped taking data: SignalR aborts a connection whose write is cancelled, so one stuck listener costs the session
    /// a bounded pause, once, rather than stalling its updates and its log.
    /// </summary>
    private async Task SendAsync(LiveSession session, IClientProxy target, string method, object message)
    {
        using var timeout = new CancellationTokenSource(_sendTimeout);
        try
        {
            await target.SendAsync(method, message, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            metrics.Error("slow_client");
            logger.LogWarning("Session {SessionId}: a listener took no {Method} for {Seconds} s; its connection is dropped", session.Id, method, _sendTimeout.TotalSeconds);
        }
    }

    /// <summary>Owner and watchers as one target.</summary>
    private sealed class Fanout(IClientProxy owner, IClientProxy watchers) : IClientProxy
    {
        public Task SendCoreAsync(string method, object?[] args, CancellationToken cancellationToken = default) =>
            Task.WhenAll(owner.SendCoreAsync(method, args, cancellationToken), watchers.SendCoreAsync(method, args, cancellationToken));
    }
}

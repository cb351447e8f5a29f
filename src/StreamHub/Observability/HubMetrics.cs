using System.Diagnostics.Metrics;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Observability;

/// <summary>
/// The hub's metrics (meter "VoiceEmotion.StreamHub"): live sessions and queue depths as gauges, updates sent and
/// errors by kind as counters. Exported for Prometheus at /metrics with the Pipeline's and the runtime's.
/// </summary>
public sealed class HubMetrics : IDisposable
{
    public const string MeterName = "VoiceEmotion.StreamHub";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _updatesSent;
    private readonly Histogram<double> _sendLatency;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _webhooksDelivered, _webhooksRetried, _webhooksFailed, _webhooksDropped;

    public HubMetrics(NodeSessions sessions, ModelHost models, CallLogWriter log)
    {
        _meter.CreateObservableGauge("voiceemotion.sessions.active", () => sessions.Count, "{session}", "Live sessions from every door");
        _meter.CreateObservableGauge("voiceemotion.session.input_queue", () => sessions.All.Sum(s => s.Pipeline.InputDepth), "{chunk}",
            "Audio chunks waiting in session input channels, summed over sessions");
        _meter.CreateObservableGauge("voiceemotion.inference.queue", () => Math.Max(0, models.Batcher.QueueDepth), "{window}", "Windows waiting for the model");
        _meter.CreateObservableGauge("voiceemotion.calllog.pending", () => log.Pending, "{entry}", "Log entries waiting to be written");
        // Tagged with the log's database: says which log has gaps, and keeps the series of several hosts in one process apart.
        _meter.CreateObservableCounter("voiceemotion.calllog.dropped",
            () => new Measurement<long>(log.DroppedUpdates, new KeyValuePair<string, object?>("database", log.Database)), "{update}",
            "Updates not logged because CallLog:MaxPendingUpdates were already waiting for the database");
        _updatesSent = _meter.CreateCounter<long>("voiceemotion.updates.sent", "{update}", "Updates sent to clients and watchers");
        _sendLatency = _meter.CreateHistogram<double>("voiceemotion.update.send_latency", "ms",
            "Update ready to its send to the owning connection done (handed to the connection's transport), per update");
        _errors = _meter.CreateCounter<long>("voiceemotion.errors", "{error}", "Errors by kind (the protocol's error codes)");
        _webhooksDelivered = _meter.CreateCounter<long>("voiceemotion.webhooks.delivered", "{delivery}", "Alert webhook deliveries a receiver accepted (2xx)");
        _webhooksRetried = _meter.CreateCounter<long>("voiceemotion.webhooks.retried", "{attempt}", "Alert webhook attempts that failed and will be retried");
        _webhooksFailed = _meter.CreateCounter<long>("voiceemotion.webhooks.failed", "{delivery}", "Alert webhook deliveries given up after the last attempt");
        _webhooksDropped = _meter.CreateCounter<long>("voiceemotion.webhooks.dropped", "{delivery}", "Alert webhook deliveries dropped from a full queue");
    }

    /// <summary>This server's meter instance (tests listen to it alone; the exporter matches meters by name, process-wide).</summary>
    internal Meter Meter => _meter;

    public void UpdateSent(string? source) => _updatesSent.Add(1, new KeyValuePair<string, object?>("source", source ?? "hub"));

    /// <summary>The hub's part of an update's way out: from ready in the pipeline (<paramref name="readyAt"/>, a
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp) to its send to the owner done. With the pipeline's
    /// chunk → update latency it splits what a client sees into the hub's two halves and the rest (network, client).</summary>
    public void UpdateDelivered(long readyAt)
    {
        if (readyAt != 0) _sendLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(readyAt).TotalMilliseconds);
    }

    public void Error(string kind) => _errors.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void WebhookDelivered(string target) => _webhooksDelivered.Add(1, new KeyValuePair<string, object?>("target", target));

    public void WebhookRetried(string target) => _webhooksRetried.Add(1, new KeyValuePair<string, object?>("target", target));

    public void WebhookFailed(string target) => _webhooksFailed.Add(1, new KeyValuePair<string, object?>("target", target));

    public void WebhookDropped(string target) => _webhooksDropped.Add(1, new KeyValuePair<string, object?>("target", target));

    public void Dispose() => _meter.Dispose();
}

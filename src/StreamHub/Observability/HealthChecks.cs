using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Observability;

/// <summary>
/// Ready when a tiny (silent) window goes through the inference batcher's queue and worker threads and the model answers
/// with probabilities, within <see cref="StreamHubOptions.ReadinessProbeSeconds"/>. A loaded model alone says nothing
/// about whether sessions would get updates: a stopped batcher, a failing model or workers that are stuck or buried under
/// a backlog all make this node Unhealthy (take no new load).
/// </summary>
public sealed class ModelHealthCheck(ModelHost models, IOptions<StreamHubOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var timeout = TimeSpan.FromSeconds(options.Value.ReadinessProbeSeconds);
        string model = Path.GetFileName(models.Model.Source);
        var clock = Stopwatch.StartNew();
        float[] p;
        try
        {
            p = await models.Batcher.ProbeAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy(OptionsValidation.Invariant(
                $"model {model}: a probe window did not come back through the inference batcher within {timeout.TotalSeconds} s ({models.Batcher.QueueDepth} windows queued)"));
        }
        catch (ChannelClosedException)
        {
            return HealthCheckResult.Unhealthy($"model {model}: the inference batcher is stopped, no window can be classified");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"model {model} failed on a probe window: {e.Message}", e);
        }
        float sum = 0;
        foreach (var v in p) sum += float.IsFinite(v) ? v : float.NaN;
        if (!(Math.Abs(sum - 1) < 0.01f))
            return HealthCheckResult.Unhealthy(OptionsValidation.Invariant($"model {model} answered a probe window with probabilities summing to {sum}"));
        return HealthCheckResult.Healthy(OptionsValidation.Invariant(
            $"model {model} with {models.Model.Labels.Count} labels: a probe window came back through the inference batcher in {clock.Elapsed.TotalMilliseconds:F0} ms"));
    }
}

/// <summary>
/// The emotion log: Degraded while its database does not answer — live analysis goes on, entries wait in memory (updates
/// up to <see cref="CallLogOptions.MaxPendingUpdates"/>, then dropped and counted), so a database outage does not make
/// every node "not ready" at once — and Unhealthy (not ready: take no new load) only when more than
/// <see cref="MaxPendingSessionEntries"/> session starts, summaries and alerts — which are never dropped — are waiting.
/// </summary>
public sealed class CallLogHealthCheck(SqlCallLog log, CallLogWriter writer) : IHealthCheck
{
    public const int MaxPendingSessionEntries = 100_000;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (writer.PendingSessionEntries > MaxPendingSessionEntries)
            return Task.FromResult(HealthCheckResult.Unhealthy(
                $"{writer.PendingSessionEntries} session starts, summaries and alerts waiting to be written (limit {MaxPendingSessionEntries}); {writer.DroppedUpdates} updates dropped"));
        try
        {
            using var connection = log.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            command.ExecuteScalar();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Degraded(
                $"emotion log {log.Description} unreachable, {writer.Pending} entries waiting, {writer.DroppedUpdates} updates dropped since start: {e.Message}"));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"emotion log {log.Description}, {writer.Pending} pending, {writer.DroppedUpdates} updates dropped since start"));
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Observability;

/// <summary>Ready when the model is loaded and answers.</summary>
public sealed class ModelHealthCheck(ModelHost models) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(models.Model.Labels.Count > 0
            ? HealthCheckResult.Healthy($"model {Path.GetFileName(models.Model.Source)} with {models.Model.Labels.Count} labels")
            : HealthCheckResult.Unhealthy("model has no labels"));
}

/// <summary>
/// The emotion log: Degraded while its database does not answer — live analysis goes on and entries wait in memory, so
/// a database outage does not make every node "not ready" at once — and Unhealthy (not ready: take no new load) only
/// when more than <see cref="MaxPending"/> entries are waiting.
/// </summary>
public sealed class CallLogHealthCheck(SqlCallLog log, CallLogWriter writer) : IHealthCheck
{
    public const int MaxPending = 100_000;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (writer.Pending > MaxPending)
            return Task.FromResult(HealthCheckResult.Unhealthy($"{writer.Pending} log entries waiting to be written (limit {MaxPending})"));
        try
        {
            using var connection = log.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            command.ExecuteScalar();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"emotion log {log.Description} unreachable, {writer.Pending} entries waiting: {e.Message}"));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"emotion log {log.Description}, {writer.Pending} pending"));
    }
}

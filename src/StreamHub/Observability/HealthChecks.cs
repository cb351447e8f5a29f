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

/// <summary>Ready when the emotion log's database answers and its write queue is not backing up.</summary>
public sealed class CallLogHealthCheck(SqlCallLog log, CallLogWriter writer) : IHealthCheck
{
    public const int MaxPending = 100_000;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var connection = log.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            command.ExecuteScalar();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"emotion log {log.Description} unreachable: {e.Message}"));
        }
        return Task.FromResult(writer.Pending > MaxPending
            ? HealthCheckResult.Degraded($"{writer.Pending} log entries waiting to be written")
            : HealthCheckResult.Healthy($"emotion log {log.Description}, {writer.Pending} pending"));
    }
}

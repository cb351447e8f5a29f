using Microsoft.Extensions.Options;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>Deletes sessions older than <see cref="CallLogOptions.RetentionDays"/> once an hour (never, when 0).</summary>
public sealed class RetentionService(SqlCallLog store, IOptions<CallLogOptions> options, ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>One purge pass; returns the sessions deleted.</summary>
    public int PurgeOnce()
    {
        double days = options.Value.RetentionDays;
        if (days <= 0) return 0;
        int deleted = store.PurgeStartedBefore(DateTimeOffset.UtcNow - TimeSpan.FromDays(days));
        if (deleted > 0) logger.LogInformation("Retention: deleted {Count} sessions older than {Days} days", deleted, days);
        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try { PurgeOnce(); }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException) { logger.LogWarning("Retention purge failed: {Message}", e.Message); }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

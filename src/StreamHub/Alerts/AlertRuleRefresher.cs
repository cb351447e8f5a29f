using Microsoft.Extensions.Options;
using VoiceEmotion.StreamHub.CallLog;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// Re-reads the alert rules from a shared (PostgreSQL) log every <see cref="AlertOptions.RulesRefreshSeconds"/>, so an
/// edit made through another node applies here too. A SQLite log belongs to this process, whose own edits apply at
/// once: nothing to poll.
/// </summary>
public sealed class AlertRuleRefresher(SqlCallLog log, AlertRuleBook book, IOptions<AlertOptions> options, ILogger<AlertRuleRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!log.Shared) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RulesRefreshSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (book.Set(log.AlertRules())) logger.LogInformation("Alert rules changed in the log: {Count} rules in force", book.Current.Rules.Length);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException)
            {
                logger.LogWarning("Alert rules could not be re-read from {Database} (the rules in force stay): {Message}", log.Description, e.Message);
            }
        }
    }
}

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>The emotion log (configuration section "CallLog"). Default: a SQLite file beside the app, kept forever.</summary>
public sealed class CallLogOptions : IValidatedOptions
{
    public const string Section = "CallLog";

    /// <summary>SQLite database file; relative paths are under the content root.</summary>
    public string SqlitePath { get; set; } = "data/calllog.db";

    /// <summary>PostgreSQL connection string (Npgsql); when set, the log lives there instead of SQLite (several nodes, one log).</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>How long sessions are kept, in days; 0 keeps them forever.</summary>
    public double RetentionDays { get; set; }

    /// <summary>Writes are batched: flushed when this many are queued or <see cref="FlushMilliseconds"/> has passed.</summary>
    public int FlushBatch { get; set; } = 500;

    public int FlushMilliseconds { get; set; } = 250;

    /// <summary>Updates that may wait for the database (≈ 200 bytes each). When this many are waiting — the database has
    /// been away a while — further updates are dropped and counted (<c>voiceemotion_calllog_dropped_total</c>); session
    /// starts, summaries and alerts are never dropped.</summary>
    public int MaxPendingUpdates { get; set; } = 100_000;

    public IEnumerable<string?> Problems()
    {
        if (string.IsNullOrWhiteSpace(PostgresConnectionString)) yield return OptionsValidation.Required($"{Section}:{nameof(SqlitePath)}", SqlitePath);
        yield return OptionsValidation.Range($"{Section}:{nameof(RetentionDays)}", RetentionDays, 0, 36_500);
        yield return OptionsValidation.Range($"{Section}:{nameof(FlushBatch)}", FlushBatch, 1, 100_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(FlushMilliseconds)}", FlushMilliseconds, 10, 60_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxPendingUpdates)}", MaxPendingUpdates, 100, 10_000_000);
        if (MaxPendingUpdates < FlushBatch)
            yield return OptionsValidation.Invariant($"{Section}:{nameof(MaxPendingUpdates)} must be at least {Section}:{nameof(FlushBatch)} ({FlushBatch}), was {MaxPendingUpdates}");
    }
}

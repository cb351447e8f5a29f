namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>The emotion log (configuration section "CallLog"). Default: a SQLite file beside the app, kept forever.</summary>
public sealed class CallLogOptions
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
}

using System.Globalization;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// Per-connection settings of the SQLite emotion log (SQLite keeps them per connection, so every connection the log
/// opens runs them; synchronous is always NORMAL, which in WAL mode syncs at checkpoints rather than at every commit).
/// Why the defaults: live calls append their updates to the (session_id, seq) index, so each write transaction touches
/// about one index page per call that spoke since the last one. At 2,000 calls those ≈ 2,000 hot pages (8 MiB) do not
/// fit SQLite's default 2,000 KiB cache, and every transaction reads them back; and with the default checkpoint every
/// 1,000 WAL pages the same hot pages are copied into the database several times a second. Measured by
/// <c>CallLogWriteBenchmarks</c> (docs/PERFORMANCE.md).
/// </summary>
/// <param name="CacheKib">page cache per connection, KiB (SQLite's default 2,000)</param>
/// <param name="WalAutoCheckpointPages">WAL pages written before a checkpoint copies them into the database (SQLite's default 1,000)</param>
public sealed record SqliteTuning(int CacheKib = 16_384, int WalAutoCheckpointPages = 8_192)
{
    /// <summary>What the log runs with unless told otherwise.</summary>
    public static SqliteTuning Default { get; } = new();

    /// <summary>SQLite's own cache and checkpoint interval (what every connection of the log had before stop 32).</summary>
    public static SqliteTuning SqliteDefaults { get; } = new(2_000, 1_000);

    /// <summary>The statements a newly opened connection runs.</summary>
    public string Pragmas => string.Create(CultureInfo.InvariantCulture,
        $"PRAGMA synchronous=NORMAL; PRAGMA cache_size=-{CacheKib}; PRAGMA wal_autocheckpoint={WalAutoCheckpointPages}");
}

using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;

namespace VoiceEmotion.Bench;

/// <summary>What the SQLite emotion log costs per second of live calls: one invocation writes one second of
/// <see cref="Calls"/> calls' updates (two each, interleaved across calls as the hub queues them) in transactions of
/// 500, as the log writer does (its FlushBatch), into a log that already holds the calls' first 30 s. Each invocation
/// writes the next second, so the index keeps growing as in a live log. "SqliteDefaults" is SQLite's own page cache
/// and checkpoint interval; "Tuned" is <see cref="SqliteTuning.Default"/>; "CacheOnly" its cache with SQLite's checkpoint interval. Mean time per invocation ÷ 1 s is the share
/// of one core the log's writer thread needs at that load.</summary>
[MemoryDiagnoser, MedianColumn]
public class CallLogWriteBenchmarks
{
    private const int PerTransaction = 500, HistorySeconds = 30;
    private readonly float[] _probabilities = [0.4f, 0.1f, 0.1f, 0.2f, 0.1f, 0.05f, 0.05f];
    private DirectoryInfo _dir = null!;
    private SqlCallLog _log = null!;
    private string[] _ids = [];
    private int _second;

    [Params(2000)]
    public int Calls { get; set; }

    [Params("SqliteDefaults", "CacheOnly", "Tuned")]
    public string Tuning { get; set; } = "Tuned";

    [GlobalSetup]
    public void Setup()
    {
        _dir = Directory.CreateTempSubdirectory("ve-logbench-");
        var tuning = Tuning switch
        {
            "Tuned" => SqliteTuning.Default,
            "CacheOnly" => SqliteTuning.SqliteDefaults with { CacheKib = SqliteTuning.Default.CacheKib },
            _ => SqliteTuning.SqliteDefaults,
        };
        _log = SqlCallLog.Sqlite(Path.Combine(_dir.FullName, "log.db"), tuning: tuning);
        var start = DateTimeOffset.UtcNow;
        _ids = [.. Enumerable.Range(0, Calls).Select(i => Guid.NewGuid().ToString("N"))];
        foreach (var chunk in _ids.Chunk(PerTransaction))
            _log.Write([.. chunk.Select(id => (LogItem)new LogItem.Started(new SessionRecord(id, "bench", null, null, null, start, Owner: "bench")))]);
        for (_second = 0; _second < HistorySeconds; _second++) WriteSecond();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    [Benchmark]
    public int OneSecondOfCalls()
    {
        int rows = WriteSecond();
        _second++;
        return rows;
    }

    private int WriteSecond()
    {
        var batch = new List<LogItem>(PerTransaction);
        int rows = 0;
        for (int half = 0; half < 2; half++)
        {
            int seq = 2 * _second + half;
            foreach (var id in _ids)
            {
                batch.Add(new LogItem.Update(new EmotionUpdate(id, seq, (seq + 1) * 0.5, 3, true, 0.8f, _probabilities,
                    "neutral", 0.4f, 0.1f, -0.1f, -24f, 180f)));
                if (batch.Count == PerTransaction)
                {
                    _log.Write(batch);
                    rows += batch.Count;
                    batch.Clear();
                }
            }
        }
        if (batch.Count > 0) _log.Write(batch);
        return rows + batch.Count;
    }
}

using System.Diagnostics;
using Microsoft.Data.Sqlite;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using Xunit.Abstractions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Update rows written many to a statement (issue #14) are exactly the rows written one to a statement, on real SQLite
/// and PostgreSQL: every column, remainders of any size, and duplicates still stored once.
/// </summary>
public sealed class CallLogBulkInsertTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-bulk-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    /// <summary>Sessions of varied update counts (so flushes end on every remainder), each update's columns distinct.</summary>
    internal static List<List<LogItem>> Batches(int sessions, int seed, int batchSize = 150)
    {
        var random = new Random(seed);
        var items = new List<LogItem>();
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
        for (int s = 0; s < sessions; s++)
        {
            string id = $"s{seed}-{s}";
            items.Add(new LogItem.Started(new SessionRecord(id, "test", null, null, null, start.AddSeconds(s), Owner: "bench")));
            int n = 1 + random.Next(140);
            for (int seq = 0; seq < n; seq++)
            {
                bool speech = random.NextDouble() < 0.7;
                var p = new float[EmotionLabels.Count];
                if (speech) for (int k = 0; k < p.Length; k++) p[k] = (float)random.NextDouble() / 7;
                items.Add(new LogItem.Update(new EmotionUpdate(id, seq, (seq + 1) * 0.5, 3, speech, (float)random.NextDouble(), p,
                    speech ? EmotionLabels.All[random.Next(7)] : null, (float)random.NextDouble(), (float)random.NextDouble() - 0.5f,
                    (float)random.NextDouble() - 0.5f, -60 + 50 * (float)random.NextDouble(), speech ? 80 + 200 * (float)random.NextDouble() : 0)));
            }
            items.Add(new LogItem.Ended(new SessionSummary(id, n * 0.5, n * 0.25, n, "neutral", new float[7], new float[7]), start.AddSeconds(s + n)));
        }
        return items.Chunk(batchSize).Select(c => c.ToList()).ToList();
    }

    private static List<string> Rows(SqlCallLog log)
    {
        using var connection = log.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT session_id, seq, audio_time, speech, voiced_fraction, p_neutral, p_happy, p_sad, p_angry, p_fearful, p_disgust,
                p_surprised, top, confidence, arousal, valence, loudness_db, pitch_hz FROM updates ORDER BY session_id, seq
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(string.Join("|", values.Select(v => v is double d ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : v.ToString())));
        }
        return rows;
    }

    private static void WriteAll(SqlCallLog log, List<List<LogItem>> batches)
    {
        foreach (var batch in batches) log.Write(batch);
        log.Write(batches[batches.Count / 2]); // a batch written twice changes nothing
    }

    [Fact]
    public void MultiRowInsertsStoreExactlyWhatOneRowPerStatementStoresOnSqlite()
    {
        var batches = Batches(40, seed: 1);
        var single = SqlCallLog.Sqlite(Path.Combine(_dir.FullName, "single.db"));
        single.RowsPerInsert = 1;
        var multi = SqlCallLog.Sqlite(Path.Combine(_dir.FullName, "multi.db"));
        Assert.True(multi.RowsPerInsert > 1);
        WriteAll(single, batches);
        WriteAll(multi, batches);
        var expected = Rows(single);
        Assert.Equal(batches.SelectMany(b => b).Count(i => i is LogItem.Update), expected.Count);
        Assert.Equal(expected, Rows(multi));
    }

    [SkippableFact]
    public async Task MultiRowInsertsStoreExactlyWhatOneRowPerStatementStoresOnPostgres()
    {
        await using var a = await TemporaryPostgres.CreateAsync();
        Skip.If(a is null, TemporaryPostgres.Missing);
        await using var b = await TemporaryPostgres.CreateAsync();
        var batches = Batches(40, seed: 2);
        var single = SqlCallLog.Postgres(a.ConnectionString);
        single.RowsPerInsert = 1;
        var multi = SqlCallLog.Postgres(b!.ConnectionString);
        Assert.True(multi.RowsPerInsert > 1);
        WriteAll(single, batches);
        WriteAll(multi, batches);
        var expected = Rows(single);
        Assert.Equal(batches.SelectMany(x => x).Count(i => i is LogItem.Update), expected.Count);
        Assert.Equal(expected, Rows(multi));
    }

    /// <summary>Opt-in measurement: update rows per second and CPU per 1,000 rows, one row per statement against many.</summary>
    [SkippableFact]
    [Trait("Category", "Measurement")]
    public async Task UpdateRowsPerSecond()
    {
        // Flushes as the writer makes them at ~2,000 updates/s: 500 updates and a few session entries.
        var batches = Batches(2000, seed: 3, batchSize: 500);
        int rows = batches.SelectMany(x => x).Count(i => i is LogItem.Update);
        await using var pg = await TemporaryPostgres.CreateAsync();
        await using var pg2 = await TemporaryPostgres.CreateAsync();
        foreach (int perStatement in new[] { 1, 4, 8, 16, 64 })
        {
            var sqlite = SqlCallLog.Sqlite(Path.Combine(_dir.FullName, $"bench-{perStatement}.db"));
            Measure("SQLite", sqlite, perStatement);
            if (pg is not null) { var target = perStatement == 1 ? pg : pg2!; Measure("PostgreSQL", SqlCallLog.Postgres(target.ConnectionString), perStatement); ClearUpdates(target.ConnectionString); }
        }

        static void ClearUpdates(string connectionString)
        {
            using var c = new Npgsql.NpgsqlConnection(connectionString);
            c.Open();
            using var command = new Npgsql.NpgsqlCommand("DELETE FROM updates; DELETE FROM sessions; DELETE FROM calls", c);
            command.ExecuteNonQuery();
        }

        void Measure(string name, SqlCallLog log, int perStatement)
        {
            log.RowsPerInsert = perStatement;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            foreach (var batch in batches) log.Write(batch);
            clock.Stop();
            double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
            output.WriteLine($"{name}, {perStatement} row(s) per INSERT: {rows:N0} updates in {clock.Elapsed.TotalSeconds:F2} s = {rows / clock.Elapsed.TotalSeconds:N0} rows/s; this process's CPU {cpuMs * 1000 / rows:F1} ms per 1,000 rows");
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Opt-in measurement (docs/PERFORMANCE.md, "Calls and trends on a million updates"): fills a log with one million
/// updates — 4,167 two-track Twilio calls of 60 s over 30 days, written in the writer's batches — on SQLite and on
/// PostgreSQL, then times /api/stats and /api/calls over HTTP on a real hub. A measurement of minutes, not a test of the
/// suite: its trait keeps it out of scripts/test.sh (`Category!=Measurement`); select it with `Category=Measurement`.
/// It checks the answers add up, and reports the times.
/// </summary>
[Trait("Category", "Measurement")]
public sealed class StatsBenchmarkTests(ITestOutputHelper output)
{
    private const int Calls = 4167, UpdatesPerTrack = 120; // 4,167 × 2 × 120 = 1,000,080 updates
    private static readonly DateTimeOffset End = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task StatsOnAMillionUpdatesInSqlite()
    {
        string db = Path.Combine(Path.GetTempPath(), $"ve-bench-{Guid.NewGuid():N}.db");
        try
        {
            int alerts = Fill(SqlCallLog.Sqlite(db), "SQLite");
            await using var server = await HubServer.StartAsync(callLogPath: db);
            await MeasureAsync(server, "SQLite", alerts);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { db, db + "-wal", db + "-shm" }) File.Delete(f);
        }
    }

    [SkippableFact]
    public async Task StatsOnAMillionUpdatesInPostgres()
    {
        await using var database = await TemporaryPostgres.CreateAsync();
        Skip.If(database is null, TemporaryPostgres.Missing);
        int alerts = Fill(SqlCallLog.Postgres(database.ConnectionString), "PostgreSQL");
        await using var server = await HubServer.StartAsync(postgres: database.ConnectionString);
        await MeasureAsync(server, "PostgreSQL", alerts);
    }

    /// <summary>Writes the calls as the live writer would (batches of 500 updates with the session entries due); returns the alerts written.</summary>
    private int Fill(SqlCallLog log, string name)
    {
        var random = new Random(12);
        var batch = new List<LogItem>();
        int updates = 0, alerts = 0;
        var clock = Stopwatch.StartNew();
        void Flush()
        {
            log.Write(batch);
            batch.Clear();
        }
        for (int c = 0; c < Calls; c++)
        {
            var start = End.AddDays(-30).AddSeconds(random.NextDouble() * 30 * 86400);
            start = DateTimeOffset.FromUnixTimeMilliseconds(start.ToUnixTimeMilliseconds());
            string call = $"CA{c:D8}", queue = $"queue-{random.Next(5)}", agent = $"agent-{random.Next(40)}";
            foreach (var track in new[] { "inbound", "outbound" })
            {
                string id = $"{call}-{track}";
                batch.Add(new LogItem.Started(new SessionRecord(id, "twilio", $"agent={agent};queue={queue}", call, track, start, Owner: "bench", Agent: agent, Queue: queue)));
                var counts = new float[EmotionLabels.Count];
                int speech = 0;
                for (int seq = 0; seq < UpdatesPerTrack; seq++)
                {
                    var p = new float[EmotionLabels.Count];
                    float sum = 0;
                    for (int k = 0; k < p.Length; k++) sum += p[k] = (float)random.NextDouble() * (k == 0 ? 3 : 1);
                    int top = 0;
                    for (int k = 0; k < p.Length; k++) { p[k] /= sum; if (p[k] > p[top]) top = k; }
                    bool isSpeech = random.NextDouble() < 0.8;
                    if (isSpeech) { counts[top]++; speech++; }
                    batch.Add(new LogItem.Update(new EmotionUpdate(id, seq, (seq + 1) * 0.5, 3, isSpeech, 0.4f, isSpeech ? p : new float[7],
                        isSpeech ? EmotionLabels.All[top] : null, isSpeech ? p[top] : 0, 0, 0, -20, 150)));
                    if (++updates % 500 == 0) Flush();
                }
                var share = counts.Select(n => speech > 0 ? n / speech : 0).ToArray();
                int dominant = Array.IndexOf(share, share.Max());
                if (random.NextDouble() < 0.2)
                {
                    batch.Add(new LogItem.Raised(new AlertMessage($"al-{id}", id, "angry-sustained", "angry", 10, 5, 0.7, "twilio", call, track, start.AddSeconds(30))));
                    alerts++;
                }
                batch.Add(new LogItem.Ended(new SessionSummary(id, 60, speech * 0.5, UpdatesPerTrack, EmotionLabels.All[dominant], share, share), start.AddSeconds(60)));
            }
        }
        Flush();
        output.WriteLine($"{name}: wrote {updates:N0} updates, {Calls * 2:N0} sessions, {Calls:N0} calls, {alerts:N0} alerts in {clock.Elapsed.TotalSeconds:F1} s ({updates / clock.Elapsed.TotalSeconds:N0} updates/s)");
        return alerts;
    }

    private async Task MeasureAsync(HubServer server, string name, int alerts)
    {
        // The database's share: the same query in-process, without HTTP and JSON.
        var log = server.Services.GetRequiredService<SqlCallLog>();
        var direct = new List<double>();
        for (int i = 0; i < 11; i++)
        {
            var clock = Stopwatch.StartNew();
            var result = log.Stats(new StatsQuery(End.AddDays(-30), End, 3_600_000, "queue"), "hour");
            if (i > 0) direct.Add(clock.Elapsed.TotalMilliseconds);
            Assert.Equal(Calls, result.Buckets.Sum(b => b.Calls));
        }
        direct.Sort();
        output.WriteLine($"{name}: SqlCallLog.Stats 30 days by hour, by queue (in-process, no HTTP): median {direct[direct.Count / 2]:F1} ms, max {direct[^1]:F1} ms");

        using var http = server.Http();
        string Range(TimeSpan span) => $"from={Uri.EscapeDataString(End.Add(-span).ToString("O"))}&to={Uri.EscapeDataString(End.ToString("O"))}";
        var month = Range(TimeSpan.FromDays(30));
        foreach (var (label, path) in new[]
                 {
                     ("stats 30 days by hour, by queue", $"/api/stats?{month}&bucket=hour&groupBy=queue"),
                     ("stats 30 days by day, by agent", $"/api/stats?{month}&bucket=day&groupBy=agent"),
                     ("stats last 24 h by hour, by source", $"/api/stats?{Range(TimeSpan.FromDays(1))}&bucket=hour&groupBy=source"),
                     ("calls, first page (50)", "/api/calls"),
                     ("calls, queue + minNegativeShare", "/api/calls?queue=queue-3&minNegativeShare=0.2"),
                     ("calls, agent, sorted by negative share", "/api/calls?agent=agent-7&sort=-negativeShare"),
                     ("calls, page 40 (offset 2000)", "/api/calls?offset=2000"),
                 })
        {
            var times = new List<double>();
            JsonElement body = default;
            for (int i = 0; i < 11; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync(path);
                var text = await response.Content.ReadAsStringAsync();
                clock.Stop();
                Assert.True(response.IsSuccessStatusCode, $"{path}: {text}");
                if (i > 0) times.Add(clock.Elapsed.TotalMilliseconds); // the first warms the JIT and the database's cache
                body = JsonDocument.Parse(text).RootElement.Clone();
            }
            if (path.Contains(month, StringComparison.Ordinal))
            {
                // Every call and every alert of the month is in exactly one bucket.
                var buckets = body.GetProperty("buckets").EnumerateArray().ToList();
                Assert.Equal(Calls, buckets.Sum(b => b.GetProperty("calls").GetInt32()));
                Assert.Equal(alerts, buckets.Sum(b => b.GetProperty("alerts").GetInt32()));
            }
            if (path == "/api/calls") Assert.Equal(Calls, body.GetProperty("total").GetInt32());
            times.Sort();
            int count = body.TryGetProperty("buckets", out var b) ? b.GetArrayLength() : body.GetProperty("items").GetArrayLength();
            output.WriteLine($"{name}: {label}: median {times[times.Count / 2]:F1} ms, max {times[^1]:F1} ms ({count} {(body.TryGetProperty("buckets", out _) ? "buckets" : "items")})");
        }
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Soak;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// The emotion log's bounded queue with the database away: the live path goes on untouched, updates beyond
/// CallLog:MaxPendingUpdates are dropped and counted (writer and /metrics agree), session starts and summaries are
/// kept and written once the database is back, and what was logged plus what was dropped is exactly what was sent.
/// </summary>
public sealed class CallLogQueueTests : IAsyncLifetime
{
    private const int Capacity = 100, Batch = 50, Sessions = 4, SecondsPerSession = 30, UpdatesPerSession = SecondsPerSession * 2;

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["CallLog:MaxPendingUpdates"] = Capacity.ToString(CultureInfo.InvariantCulture),
        ["CallLog:FlushBatch"] = Batch.ToString(CultureInfo.InvariantCulture),
    };

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-logqueue-");
    private TemporaryPostgres? _database;

    public async Task InitializeAsync() => _database = await TemporaryPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task SqliteLockedByAnotherWriterUpdatesOverTheLimitAreDroppedAndCountedSummariesAreKept()
    {
        string db = Path.Combine(_dir.FullName, "log.db");
        var logs = new RecordedLogs();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var server = await HubServer.StartAsync(callLogPath: db, settings: Settings, logs: logs);
        // Another process holding SQLite's write lock (a backup, a long maintenance transaction): every write of the
        // server waits, then fails with "database is locked", until the lock goes.
        var holder = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        SqliteTransaction? hold = null;
        await RunOutageAsync(server,
            cut: () => { holder.Open(); hold = holder.BeginTransaction(deferred: false); return Task.CompletedTask; },
            restore: () => { hold!.Rollback(); holder.Dispose(); return Task.CompletedTask; },
            duringOutage: null);
        // Well over a hundred drops, but the warning is rate-limited: one line per 10 s at most.
        var warnings = logs.Messages.Where(m => m.Level == LogLevel.Warning && m.Text.StartsWith("Emotion log queue full", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(warnings);
        Assert.True(warnings.Count <= 1 + (int)(clock.Elapsed.TotalSeconds / 10), $"{warnings.Count} warnings in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.Contains("session starts, summaries and alerts are kept", warnings[0].Text);
    }

    [SkippableFact]
    public async Task PostgresUnreachableUpdatesOverTheLimitAreDroppedAndCountedSummariesAreKept()
    {
        Skip.If(_database is null, TemporaryPostgres.Missing);
        var direct = new NpgsqlConnectionStringBuilder(_database!.ConnectionString);
        await using var relay = new TcpProxy(new IPEndPoint(IPAddress.Parse(direct.Host!), direct.Port));
        var through = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = relay.Port };
        await using var server = await HubServer.StartAsync(postgres: through.ConnectionString, settings: Settings);
        await RunOutageAsync(server, cut: relay.CutAsync, restore: () => { relay.Restore(); return Task.CompletedTask; },
            duringOutage: async http =>
            {
                // The node still serves: readiness says Degraded (200), not Unhealthy, and names what is happening.
                using var ready = await http.GetAsync("/healthz/ready");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
                var calllog = body.GetProperty("checks").GetProperty("calllog");
                Assert.Equal("Degraded", calllog.GetProperty("status").GetString());
                Assert.Contains("updates dropped since start", calllog.GetProperty("description").GetString());
            });
    }

    private static async Task RunOutageAsync(HubServer server, Func<Task> cut, Func<Task> restore, Func<HttpClient, Task>? duringOutage)
    {
        var writer = server.Services.GetRequiredService<CallLogWriter>();
        using var http = server.Http();
        await cut();
        var ids = new List<string>();
        try
        {
            await using var connection = await server.ConnectAsync("messagepack");
            for (int i = 0; i < Sessions; i++)
            {
                var audio = TestAudio.Encode(TestAudio.Voice(16000, SecondsPerSession, seed: 20 + i), AudioEncoding.Pcm16Le);
                var (updates, summary, errors, failure) = await HubClient.StreamAsync(connection,
                    new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "outage" }, TestAudio.Chunks(audio, 3200));
                // The live path does not wait for the log: every update and the summary arrive while it is away.
                Assert.Null(failure);
                Assert.Empty(errors);
                Assert.Equal(UpdatesPerSession, updates.Count);
                Assert.Equal(UpdatesPerSession, summary!.Updates);
                ids.Add(summary.SessionId);
            }
            const int sent = Sessions * UpdatesPerSession;
            // At most the queue's capacity waits, plus the one batch the writer holds and retries.
            Assert.True(writer.DroppedUpdates >= sent - Capacity - Batch, $"{writer.DroppedUpdates} of {sent} updates dropped with a queue of {Capacity}");
            // Nothing of the sessions' own entries was written or dropped: 4 starts and 4 summaries wait.
            Assert.True(writer.PendingSessionEntries >= 2 * Sessions, $"{writer.PendingSessionEntries} session entries pending");
            Assert.Equal((double)writer.DroppedUpdates, await ScrapeDroppedAsync(http, writer.Database, writer.DroppedUpdates));
            if (duringOutage is not null) await duringOutage(http);
        }
        finally
        {
            await restore();
        }

        for (int i = 0; i < 1200 && writer.Pending > 0; i++) await Task.Delay(50);
        Assert.Equal(0, writer.Pending);
        long dropped = writer.DroppedUpdates;
        int logged = 0;
        foreach (var id in ids)
        {
            var session = (await LogApi.WaitEndedAsync(http, id)).GetProperty("session");
            Assert.Equal("ended", session.GetProperty("status").GetString());
            Assert.Equal(UpdatesPerSession, session.GetProperty("summary").GetProperty("updates").GetInt32());
            var timeline = await http.GetFromJsonAsync<JsonElement>($"/api/sessions/{id}/timeline");
            logged += timeline.GetArrayLength();
        }
        // Nothing lost without being counted, nothing counted that was written.
        Assert.Equal(Sessions * UpdatesPerSession, logged + dropped);
        Assert.True(logged > 0, "no update was logged at all");
    }

    /// <summary>voiceemotion_calllog_dropped_total{database="..."} of this server's log from /metrics, once the exporter
    /// shows <paramref name="expected"/> (it caches a scrape briefly).</summary>
    private static async Task<double> ScrapeDroppedAsync(HttpClient http, string database, long expected)
    {
        string? line = null;
        for (int i = 0; i < 300; i++) // up to 30 s
        {
            line = (await http.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l =>
                l.StartsWith("voiceemotion_calllog_dropped_total{", StringComparison.Ordinal) && l.Contains($"database=\"{database}\"", StringComparison.Ordinal));
            if (line is not null && double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) == expected) return expected;
            await Task.Delay(100);
        }
        Assert.Fail($"/metrics never showed {expected} dropped updates for {database}; last: {line ?? "no such series"}");
        return -1;
    }
}

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Soak;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>The emotion log on a real SQLite file: every door is logged, survives restarts and SIGTERM, and is queryable.</summary>
public sealed class CallLogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-calllog-");
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        SqliteConnection.ClearAllPools();
        _dir.Delete(recursive: true);
    }

    private static async Task<string> Stream(HubServer server, double seconds, int seed, string label)
    {
        await using var connection = await server.ConnectAsync("messagepack");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, seconds, seed), AudioEncoding.Pcm16Le);
        var (updates, summary, errors, failure) = await HubClient.StreamAsync(connection,
            new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "test", Label = label }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        Assert.Empty(errors);
        return summary!.SessionId;
    }

    private Task<JsonElement> Get(HubServer server, string path) => Get(server.Address, path);

    /// <summary>Waits (up to 30 s) until the log lists <paramref name="sessions"/> sessions and none of them is live.</summary>
    private async Task WaitLoggedAsync(HubServer server, int sessions)
    {
        JsonElement page = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(25))
        {
            page = await Get(server, "/api/sessions");
            if (page.GetProperty("total").GetInt32() == sessions
                && page.GetProperty("items").EnumerateArray().All(i => i.GetProperty("status").GetString() != "live")) return;
        }
        Assert.Fail($"the log did not show {sessions} ended sessions within 30 s: {page}");
    }

    private async Task<JsonElement> Get(Uri address, string path)
    {
        using var response = await _http.GetAsync(new Uri(address, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task SessionsSurviveARestartWithTheirTimelineAndSummary()
    {
        string db = Path.Combine(_dir.FullName, "log.db");
        string id;
        await using (var first = await HubServer.StartAsync(callLogPath: db))
            id = await Stream(first, 3.0, seed: 1, label: "call-1");
        await using var second = await HubServer.StartAsync(callLogPath: db);
        var page = await Get(second, "/api/sessions");
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        var s = page.GetProperty("items")[0];
        Assert.Equal(id, s.GetProperty("sessionId").GetString());
        Assert.Equal("test", s.GetProperty("source").GetString());
        Assert.Equal("call-1", s.GetProperty("label").GetString());
        Assert.Equal(6, s.GetProperty("summary").GetProperty("updates").GetInt32());
        var timeline = await Get(second, $"/api/sessions/{id}/timeline");
        Assert.Equal(6, timeline.GetArrayLength());
        Assert.Equal(3.0, timeline[5].GetProperty("audioTime").GetDouble(), 3);
    }

    [Fact]
    public async Task TheRestApiFiltersPagesExportsAndDeletes()
    {
        await using var server = await HubServer.StartAsync();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++) ids.Add(await Stream(server, 2.0, seed: i, label: $"c{i}"));
        using (var form = new MultipartFormDataContent())
        {
            form.Add(new ByteArrayContent(WavWriter.Write(TestAudio.Voice(8000, 2.0), 8000, WavSampleFormat.MuLaw)), "file", "upload.wav");
            using var upload = await _http.PostAsync(new Uri(server.Address, "/api/analyze"), form);
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }
        // The log writes in batches (every 250 ms by default, later on a busy machine): wait until all four have ended in it.
        await WaitLoggedAsync(server, sessions: 4);

        Assert.Equal(4, (await Get(server, "/api/sessions")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await Get(server, "/api/sessions?source=upload")).GetProperty("total").GetInt32());
        var paged = await Get(server, "/api/sessions?source=test&limit=2&offset=2");
        Assert.Equal(3, paged.GetProperty("total").GetInt32());
        Assert.Equal(1, paged.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await Get(server, $"/api/sessions?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"))}")).GetProperty("total").GetInt32());
        var dominant = (await Get(server, $"/api/sessions/{ids[0]}")).GetProperty("session").GetProperty("summary").GetProperty("dominant").GetString()!;
        Assert.True((await Get(server, $"/api/sessions?dominant={dominant}")).GetProperty("total").GetInt32() >= 1);
        Assert.Equal(0, (await Get(server, "/api/sessions?minAngryShare=1.01")).GetProperty("total").GetInt32());
        using (var bad = await _http.GetAsync(new Uri(server.Address, "/api/sessions?dominant=bored")))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var csv = await _http.GetStringAsync(new Uri(server.Address, $"/api/sessions/{ids[1]}/export?format=csv"));
        var lines = csv.Trim().Split('\n');
        Assert.StartsWith("seq,audio_time_s,speech,voiced_fraction,p_neutral,p_happy", lines[0]);
        Assert.Equal(1 + 4, lines.Length);
        var json = await Get(server, $"/api/sessions/{ids[1]}/export?format=json");
        Assert.Equal(4, json.GetProperty("timeline").GetArrayLength());

        using (var deleted = await _http.DeleteAsync(new Uri(server.Address, $"/api/sessions/{ids[2]}")))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var gone = await _http.GetAsync(new Uri(server.Address, $"/api/sessions/{ids[2]}")))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using (var again = await _http.DeleteAsync(new Uri(server.Address, $"/api/sessions/{ids[2]}")))
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(3, (await Get(server, "/api/sessions")).GetProperty("total").GetInt32());
    }

    [Fact]
    public void RetentionPurgesOnlySessionsOlderThanTheSettingAndMigrationsRunOnce()
    {
        string path = Path.Combine(_dir.FullName, "retention.db");
        var log = VoiceEmotion.StreamHub.CallLog.SqlCallLog.Sqlite(path);
        var now = DateTimeOffset.UtcNow;
        log.Write([
            new VoiceEmotion.StreamHub.CallLog.LogItem.Started(new("old", "twilio", null, "CA1", "inbound", now.AddDays(-40))),
            new VoiceEmotion.StreamHub.CallLog.LogItem.Started(new("new", "hub", null, null, null, now.AddDays(-1))),
        ]);
        var options = Microsoft.Extensions.Options.Options.Create(new VoiceEmotion.StreamHub.CallLog.CallLogOptions { RetentionDays = 30 });
        var retention = new VoiceEmotion.StreamHub.CallLog.RetentionService(log, options, Microsoft.Extensions.Logging.Abstractions.NullLogger<VoiceEmotion.StreamHub.CallLog.RetentionService>.Instance);
        Assert.Equal(1, retention.PurgeOnce());
        Assert.Null(log.Get("old"));
        Assert.NotNull(log.Get("new"));
        Assert.Equal(0, retention.PurgeOnce());

        // Reopening migrates nothing twice; the schema version is recorded once.
        _ = VoiceEmotion.StreamHub.CallLog.SqlCallLog.Sqlite(path);
        using var db = new SqliteConnection($"Data Source={path}");
        db.Open();
        using var c = db.CreateCommand();
        c.CommandText = "SELECT COUNT(*), MAX(version) FROM schema_migrations";
        using var r = c.ExecuteReader();
        r.Read();
        Assert.Equal(VoiceEmotion.StreamHub.CallLog.CallLogSchema.Migrations.Count, r.GetInt32(0));
        Assert.Equal(VoiceEmotion.StreamHub.CallLog.CallLogSchema.Migrations.Count, r.GetInt32(1));
    }

    [Fact]
    public async Task SigtermMidStreamLosesNothingAlreadyComputed()
    {
        string db = Path.Combine(_dir.FullName, "sigterm.db");
        await using var hub = await HubProcess.StartAsync("--CallLog:SqlitePath", db);
        var connection = new HubConnectionBuilder().WithUrl(hub.HubUrl).AddMessagePackProtocol().Build();
        await connection.StartAsync();
        var received = new List<EmotionUpdateMessage>();
        connection.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (received) received.Add(u); });
        var started = await connection.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 });
        var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        _ = connection.SendAsync("StreamAudio", started.SessionId, channel.Reader);
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 10.0, seed: 4), AudioEncoding.Pcm16Le);
        foreach (var chunk in TestAudio.Chunks(audio, 3200).Take(25)) await channel.Writer.WriteAsync(chunk); // 2.5 s; the stream stays open
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline) { lock (received) if (received.Count >= 4) break; await Task.Delay(20); }

        await hub.TerminateAsync();
        await connection.DisposeAsync();

        using var db_ = new SqliteConnection($"Data Source={db}");
        db_.Open();
        using var count = db_.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM updates WHERE session_id = $id";
        count.Parameters.AddWithValue("$id", started.SessionId);
        long logged = (long)count.ExecuteScalar()!;
        int sent;
        lock (received) sent = received.Count;
        Assert.True(sent >= 4, $"only {sent} updates before SIGTERM");
        Assert.True(logged >= sent, $"{sent} updates were computed and sent, {logged} logged");
        using var ended = db_.CreateCommand();
        ended.CommandText = "SELECT ended_at IS NOT NULL FROM sessions WHERE id = $id";
        ended.Parameters.AddWithValue("$id", started.SessionId);
        Assert.Equal(1L, Convert.ToInt64(ended.ExecuteScalar()));
    }

    [Fact]
    public async Task Sigkill_MidStream_LosesAtMostTheLastFlushInterval_SessionShowsInterrupted_RestartServesAtOnce()
    {
        const int flushMs = 250;
        string db = Path.Combine(_dir.FullName, "sigkill.db");
        var first = await HubProcess.StartAsync("--CallLog:SqlitePath", db, "--CallLog:FlushMilliseconds", flushMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var received = new List<(EmotionUpdateMessage Update, DateTime At)>();
        string sessionId;
        DateTime killedAt;
        var connection = new HubConnectionBuilder().WithUrl(first.HubUrl).AddMessagePackProtocol().Build();
        try
        {
            await connection.StartAsync();
            connection.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (received) received.Add((u, DateTime.UtcNow)); });
            var started = await connection.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "kill-test" });
            sessionId = started.SessionId;
            var channel = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
            _ = connection.SendAsync("StreamAudio", started.SessionId, channel.Reader);
            // Real time, 100 ms chunks, and the stream still going when the process dies.
            var audio = TestAudio.Encode(TestAudio.Voice(16000, 60.0, seed: 9), AudioEncoding.Pcm16Le);
            using var streaming = new CancellationTokenSource();
            var sender = Task.Run(async () =>
            {
                foreach (var chunk in TestAudio.Chunks(audio, 3200))
                {
                    if (streaming.IsCancellationRequested) break;
                    await channel.Writer.WriteAsync(chunk);
                    await Task.Delay(100);
                }
            });
            // At least 6 s of updates, then well past a flush interval while audio keeps flowing.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline) { lock (received) if (received.Count >= 12) break; await Task.Delay(20); }
            await Task.Delay(4 * flushMs);
            killedAt = DateTime.UtcNow;
            await first.KillAsync();
            streaming.Cancel();
            await sender.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        }
        finally
        {
            await connection.DisposeAsync();
            await first.DisposeAsync();
        }
        List<(EmotionUpdateMessage Update, DateTime At)> sent;
        lock (received) sent = received.ToList();
        Assert.True(sent.Count >= 12, $"only {sent.Count} updates before the kill");

        // The restarted server serves at once: it listens, and a new session gets all its updates and its summary.
        await using var second = await HubProcess.StartAsync("--CallLog:SqlitePath", db);
        await using (var fresh = new HubConnectionBuilder().WithUrl(second.HubUrl).AddMessagePackProtocol().Build())
        {
            await fresh.StartAsync();
            var audio = TestAudio.Encode(TestAudio.Voice(16000, 2.0, seed: 10), AudioEncoding.Pcm16Le);
            var (updates, summary, errors, failure) = await HubClient.StreamAsync(fresh,
                new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 }, TestAudio.Chunks(audio, 3200));
            Assert.Null(failure);
            Assert.Empty(errors);
            Assert.Equal(4, updates.Count);
            Assert.NotNull(summary);
        }

        // The killed session: ended without a summary (not live forever), at its last logged update.
        var body = await Get(second.Address, $"/api/sessions/{sessionId}");
        var session = body.GetProperty("session");
        Assert.Equal("interrupted", session.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, session.GetProperty("summary").ValueKind);
        var timeline = await Get(second.Address, $"/api/sessions/{sessionId}/timeline");
        int logged = timeline.GetArrayLength();
        var seqs = Enumerable.Range(0, logged).Select(i => timeline[i].GetProperty("seq").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, logged).ToList(), seqs); // a prefix: nothing missing in the middle
        double lastAudio = timeline[logged - 1].GetProperty("audioTime").GetDouble();
        var startedAt = session.GetProperty("startedAt").GetDateTimeOffset();
        var endedAt = session.GetProperty("endedAt").GetDateTimeOffset();
        Assert.Equal(startedAt.AddSeconds(lastAudio).ToUnixTimeMilliseconds(), endedAt.ToUnixTimeMilliseconds(), 1.0);
        // Lost: at most what reached the client within the last flush interval before the kill (+3 s of scheduling slack
        // on a shared machine). Everything received earlier is in the log.
        var cutoff = killedAt - TimeSpan.FromMilliseconds(flushMs) - TimeSpan.FromSeconds(3);
        var mustBeLogged = sent.Where(s => s.At <= cutoff).Select(s => s.Update.Seq).ToList();
        Assert.True(mustBeLogged.Count >= 6, $"only {mustBeLogged.Count} updates older than the cut-off");
        Assert.All(mustBeLogged, seq => Assert.True(seq < logged, $"update {seq}, received before {cutoff:O} (kill {killedAt:O}), is not in the log ({logged} logged)"));
        // Not live anywhere: the list shows it ended too.
        var page = await Get(second.Address, "/api/sessions?source=kill-test");
        Assert.Equal("interrupted", page.GetProperty("items")[0].GetProperty("status").GetString());
    }

    /// <summary>synchronous and the page cache are per connection in SQLite, and the log opens pooled connections from
    /// several threads (the writer, API queries): every one of them, not only the first, must run in the log's mode —
    /// under the default (FULL) each write transaction waits for an fsync.</summary>
    [Fact]
    public void EveryConnectionTheLogOpensRunsWithItsPragmas()
    {
        var log = SqlCallLog.Sqlite(Path.Combine(_dir.FullName, "pragmas.db"));
        // Held open together, so the pool must create new physical connections rather than hand back the first.
        var connections = Enumerable.Range(0, 4).Select(_ => log.Open()).ToList();
        try
        {
            var tuning = SqliteTuning.Default;
            // synchronous 1 = NORMAL; a negative cache size is in KiB
            string expected = $"wal 1 {-tuning.CacheKib} {tuning.WalAutoCheckpointPages}";
            Assert.All(connections, c => Assert.Equal(expected,
                $"{Pragma(c, "journal_mode")} {Pragma(c, "synchronous")} {Pragma(c, "cache_size")} {Pragma(c, "wal_autocheckpoint")}"));
        }
        finally
        {
            foreach (var connection in connections) connection.Dispose();
        }

        static string Pragma(System.Data.Common.DbConnection connection, string name)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name}";
            return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
        }
    }

    [Fact]
    public void ACallsDominantEmotionBreaksAShareTieAsItsSessionSummaryDoes()
    {
        // Three seconds of speech can give two labels the same share of updates. The session summary then names the
        // one with the higher mean probability; the call built from it must name the same one, not the first in label order.
        var log = SqlCallLog.Sqlite(Path.Combine(_dir.FullName, "tie.db"));
        var share = new float[7];
        var mean = new float[7];
        share[EmotionLabels.Happy] = share[EmotionLabels.Disgust] = 0.5f;
        mean[EmotionLabels.Happy] = 0.30f;
        mean[EmotionLabels.Disgust] = 0.35f;
        var at = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        log.Write([
            new LogItem.Started(new SessionRecord("tie", "hub", null, null, null, at)),
            new LogItem.Ended(new SessionSummary("tie", 3, 2, 6, "disgust", share, mean), at.AddSeconds(3)),
        ]);
        Assert.Equal("disgust", log.GetCall("tie")!.Dominant);
    }

    [Fact]
    public void ALogFromBeforeCallsIsMigratedWithItsCallsBuiltAndTheRulesSeeded()
    {
        // A schema v3 database as the previous release left it: a Twilio call's two tracks with an alert, and a mic session.
        string db = Path.Combine(_dir.FullName, "v3.db");
        using (var connection = new SqliteConnection($"Data Source={db}"))
        {
            connection.Open();
            void Run(string sql)
            {
                using var c = connection.CreateCommand();
                c.CommandText = sql;
                c.ExecuteNonQuery();
            }
            Run("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
            for (int v = 0; v < 3; v++)
            {
                Run(VoiceEmotion.StreamHub.CallLog.CallLogSchema.Migrations[v]);
                Run($"INSERT INTO schema_migrations VALUES ({v + 1}, 0)");
            }
            string Share(double angry) => JsonSerializer.Serialize(new Dictionary<string, double>
                { ["neutral"] = 1 - angry, ["happy"] = 0, ["sad"] = 0, ["angry"] = angry, ["fearful"] = 0, ["disgust"] = 0, ["surprised"] = 0 });
            Run($"""
                INSERT INTO sessions (id, source, label, call_id, track, started_at, ended_at, duration_s, speech_s, updates, dominant, share_json, mean_json, angry_share, negative_share, owner, status)
                VALUES ('in', 'twilio', 'agent=7', 'CA-old', 'inbound', 1000, 9000, 8, 6, 16, 'angry', '{Share(0.75)}', '{Share(0.75)}', 0.75, 0.75, 'k', 'ended'),
                       ('out', 'twilio', 'agent=7', 'CA-old', 'outbound', 1000, 9000, 8, 2, 16, 'neutral', '{Share(0)}', '{Share(0)}', 0, 0, 'k', 'ended'),
                       ('mic', 'mic', NULL, NULL, NULL, 5000, 7000, 2, 1, 4, 'neutral', '{Share(0)}', '{Share(0)}', 0, 0, 'k', 'ended')
                """);
            Run("INSERT INTO alerts VALUES ('al', 'in', 'angry-sustained', 'angry', 1, 5, 0.8, 8000)");
        }
        SqliteConnection.ClearAllPools();

        var log = VoiceEmotion.StreamHub.CallLog.SqlCallLog.Sqlite(db);
        var call = log.GetCall("CA-old")!;
        Assert.Equal(["caller", "agent"], call.Tracks.Select(t => t.Role));
        // angry 6 × 0.75 = 4.5 s against neutral 6 × 0.25 + 2 = 3.5 s.
        Assert.Equal((8.0, 4.5 / 8, "angry", 1), (call.SpeechSeconds, call.AngryShare!.Value, call.Dominant, call.Alerts));
        Assert.Equal(("mic", "speaker"), (log.GetCall("mic")!.Tracks.Single().SessionId, log.GetCall("mic")!.Tracks.Single().Role));
        Assert.Equal(2, log.ListCalls(new VoiceEmotion.StreamHub.CallLog.CallQuery()).Total);
        Assert.Equal("angry-sustained", Assert.Single(log.AlertRules()).Name);
        Assert.Equal("caller", log.Get("in")!.Role);
    }
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EntriesQueuedBeforeAnImmediateStopAreWrittenWhetherOrNotTheWriterStarted(bool started)
    {
        // A host that stops right after starting (a server that refuses to serve unauthenticated beyond loopback stops
        // itself in ApplicationStarted): what was queued by then must still reach the database.
        string db = Path.Combine(_dir.FullName, $"stop-{started}.db");
        await using var app = UnstartedHost.Build(new Dictionary<string, string?> { ["CallLog:SqlitePath"] = db });
        var writer = app.Services.GetRequiredService<CallLogWriter>();
        if (started) await writer.StartAsync(CancellationToken.None);
        var at = new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero);
        for (int i = 0; i < 3; i++) Assert.True(writer.Enqueue(new LogItem.Started(new SessionRecord($"s{i}", "test", null, null, null, at))));
        await writer.StopAsync(CancellationToken.None);
        Assert.Equal(3, writer.Written);
        Assert.Equal(0, writer.Pending);
        var log = app.Services.GetRequiredService<SqlCallLog>();
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal("test", log.Get($"s{i}")!.Source));
        Assert.False(writer.Enqueue(new LogItem.Started(new SessionRecord("late", "test", null, null, null, at))), "a closed log takes nothing more");
    }
}

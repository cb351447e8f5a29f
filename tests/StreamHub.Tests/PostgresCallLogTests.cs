using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// The emotion log on a real PostgreSQL server. scripts/test.sh installs and starts Debian's postgresql and sets
/// VOICEEMOTION_TEST_POSTGRES (a role allowed to create databases); each test works in a database of its own.
/// </summary>
public sealed class PostgresCallLogTests : IAsyncLifetime
{
    private TemporaryPostgres? _database;

    public string ConnectionString => _database!.ConnectionString;

    public async Task InitializeAsync() => _database = await TemporaryPostgres.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    private void RequirePostgres() => Skip.If(_database is null, TemporaryPostgres.Missing);

    [SkippableFact]
    public async Task SessionsStreamedIntoAHubAreLoggedInPostgresAndQueryableAfterARestart()
    {
        RequirePostgres();
        string id;
        await using (var first = await HubServer.StartAsync(postgres: ConnectionString))
        {
            await using var connection = await first.ConnectAsync("json");
            var audio = TestAudio.Encode(TestAudio.Voice(16000, 2.0, seed: 5), AudioEncoding.Pcm16Le);
            var (updates, summary, errors, failure) = await HubClient.StreamAsync(connection,
                new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "pg-test" }, TestAudio.Chunks(audio, 3200));
            Assert.Null(failure);
            Assert.Equal(4, updates.Count);
            id = summary!.SessionId;
        }
        await using var second = await HubServer.StartAsync(postgres: ConnectionString);
        using var http = new HttpClient();
        var page = await http.GetFromJsonAsync<JsonElement>(new Uri(second.Address, "/api/sessions?source=pg-test"));
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        Assert.Equal(id, page.GetProperty("items")[0].GetProperty("sessionId").GetString());
        Assert.Equal(4, page.GetProperty("items")[0].GetProperty("summary").GetProperty("updates").GetInt32());
        var timeline = await http.GetFromJsonAsync<JsonElement>(new Uri(second.Address, $"/api/sessions/{id}/timeline"));
        Assert.Equal(4, timeline.GetArrayLength());
    }

    [SkippableFact]
    public void TheStoreWritesQueriesDeletesAndPurgesOnPostgres()
    {
        RequirePostgres();
        var log = SqlCallLog.Postgres(ConnectionString);
        var now = DateTimeOffset.UtcNow;
        var p = new float[7];
        p[3] = 0.9f; p[0] = 0.1f;
        log.Write([
            new LogItem.Started(new SessionRecord("a", "twilio", "agent=1", "CA1", "inbound", now.AddDays(-10))),
            new LogItem.Update(new Pipeline.Streaming.EmotionUpdate("a", 0, 0.5, 0.5, true, 0.4f, p, "angry", 0.9f, 0.72f, -0.54f, -20, 180)),
            new LogItem.Ended(new Pipeline.Streaming.SessionSummary("a", 0.5, 0.5, 1, "angry", [0, 0, 0, 1, 0, 0, 0], p), now.AddDays(-10)),
            new LogItem.Raised(new AlertMessage("al1", "a", "angry-sustained", "angry", 0, 5, 0.9, "twilio", "CA1", "inbound", now)),
            new LogItem.Started(new SessionRecord("b", "hub", null, null, null, now)),
        ]);
        // Writing the same entries again changes nothing (a retried batch).
        log.Write([new LogItem.Started(new SessionRecord("b", "hub", null, null, null, now))]);
        Assert.Equal(2, log.List(new SessionQuery()).Total);
        Assert.Equal(1, log.List(new SessionQuery(MinAngryShare: 0.5)).Total);
        Assert.Equal(1, log.List(new SessionQuery(Dominant: "angry")).Total);
        Assert.Equal("CA1", log.Get("a")!.CallId);
        Assert.Equal(0.9f, log.Timeline("a")[0].Probabilities["angry"], 5);
        Assert.Single(log.Alerts("a"));
        Assert.Equal(1, log.PurgeStartedBefore(now.AddDays(-5)));
        Assert.Null(log.Get("a"));
        Assert.Empty(log.Alerts("a"));
        Assert.True(log.Delete("b"));
        Assert.False(log.Delete("b"));
        // A second node starting against the same database migrates nothing twice.
        _ = SqlCallLog.Postgres(ConnectionString);
    }

    [SkippableFact]
    public void ARestartedNodeMarksOnlyItsOwnOpenSessionsInterruptedOnASharedLog()
    {
        RequirePostgres();
        var a = SqlCallLog.Postgres(ConnectionString, node: "hub-a");
        var b = SqlCallLog.Postgres(ConnectionString, node: "hub-b");
        var started = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).AddMinutes(-5);
        var p = new float[7];
        p[0] = 1;
        a.Write([
            new LogItem.Started(new SessionRecord("killed", "hub", null, null, null, started)),
            new LogItem.Update(new Pipeline.Streaming.EmotionUpdate("killed", 0, 0.5, 0.5, true, 0.4f, p, "neutral", 1, 0, 0, -20, 180)),
            new LogItem.Update(new Pipeline.Streaming.EmotionUpdate("killed", 1, 1.0, 1.0, true, 0.4f, p, "neutral", 1, 0, 0, -20, 180)),
            new LogItem.Started(new SessionRecord("silent", "hub", null, null, null, started)),
            new LogItem.Started(new SessionRecord("done", "hub", null, null, null, started)),
            new LogItem.Ended(new Pipeline.Streaming.SessionSummary("done", 0.5, 0.5, 1, "neutral", [1, 0, 0, 0, 0, 0, 0], p), started.AddSeconds(1)),
        ]);
        b.Write([new LogItem.Started(new SessionRecord("other-node", "hub", null, null, null, started))]);

        // hub-a comes back: its two open sessions end as interrupted; hub-b's live session and the ended one are untouched.
        var restarted = SqlCallLog.Postgres(ConnectionString, node: "hub-a");
        Assert.Equal(2, restarted.CloseInterrupted());
        var killed = restarted.Get("killed")!;
        Assert.Equal(SessionStatus.Interrupted, killed.Status);
        Assert.Null(killed.Summary);
        Assert.Equal(started.AddSeconds(1.0), killed.EndedAt);
        Assert.Equal(2, restarted.Timeline("killed").Count);
        Assert.Equal(started, restarted.Get("silent")!.EndedAt);
        Assert.Equal(SessionStatus.Ended, restarted.Get("done")!.Status);
        Assert.Equal(SessionStatus.Live, restarted.Get("other-node")!.Status);
        Assert.Null(restarted.Get("other-node")!.EndedAt);
        Assert.Equal(0, restarted.CloseInterrupted());
    }
}

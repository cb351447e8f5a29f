using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Soak;
using Microsoft.Extensions.DependencyInjection;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Two StreamHub processes on loopback sharing Debian's redis-server (SignalR backplane + live-session directory) and a
/// PostgreSQL log: a call streamed into node B is listed and watched live from node A, its alerts reach supervisors on
/// both nodes, and its log is queryable from either.
/// </summary>
public sealed class ScaleOutTests
{
    [SkippableFact]
    public async Task ACallOnNodeBIsWatchedFromNodeAAndLoggedForBoth()
    {
        Skip.If(RedisServer.Executable is null, RedisServer.Missing);
        await using var database = await TemporaryPostgres.CreateAsync();
        Skip.If(database is null, TemporaryPostgres.Missing);
        await using var redis = await RedisServer.StartAsync();
        string[] Node(string name) =>
        [
            "--ScaleOut:Redis", redis.Configuration, "--ScaleOut:NodeName", name, "--CallLog:PostgresConnectionString", database.ConnectionString,
            "--CallLog:FlushMilliseconds", "50",
            // An alert rule every speech segment meets after 1 s, so the test does not depend on what the model hears.
            "--Alerts:Rules:0:Name", "any-speech", "--Alerts:Rules:0:Label", "neutral", "--Alerts:Rules:0:MinProbability", "0", "--Alerts:Rules:0:MinSeconds", "1",
        ];
        await using var a = await HubProcess.StartAsync(Node("A"));
        await using var b = await HubProcess.StartAsync(Node("B"));

        await using var supervisorA = await Connect(a);
        await using var supervisorB = await Connect(b);
        var alertsA = new List<AlertMessage>();
        var alertsB = new List<AlertMessage>();
        supervisorA.On<AlertMessage>("Alert", x => { lock (alertsA) alertsA.Add(x); });
        supervisorB.On<AlertMessage>("Alert", x => { lock (alertsB) alertsB.Add(x); });
        await supervisorA.InvokeAsync<AlertMessage[]>("SubscribeAlerts");
        await supervisorB.InvokeAsync<AlertMessage[]>("SubscribeAlerts");
        var watched = new List<EmotionUpdateMessage>();
        var summaryOnA = new TaskCompletionSource<SessionSummaryMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        supervisorA.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (watched) watched.Add(u); });
        supervisorA.On<SessionSummaryMessage>("SessionSummary", s => summaryOnA.TrySetResult(s));

        // The caller streams into node B at about real time.
        await using var caller = await Connect(b);
        var received = new List<EmotionUpdateMessage>();
        caller.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (received) received.Add(u); });
        var started = await caller.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "scale-out" });
        var audio = Channel.CreateUnbounded<byte[]>();
        var streaming = caller.InvokeAsync("StreamAudio", started.SessionId, audio.Reader);
        var chunks = TestAudio.Chunks(TestAudio.Encode(TestAudio.Voice(16000, 6.0, seed: 8), AudioEncoding.Pcm16Le), 3200).ToList();
        var feeding = Task.Run(async () =>
        {
            foreach (var chunk in chunks) { await audio.Writer.WriteAsync(chunk); await Task.Delay(100); }
            audio.Writer.Complete();
        });

        // Node A finds the session in the directory and watches it live.
        LiveSessionInfo? found = null;
        for (int i = 0; i < 600 && found is null; i++)
        {
            found = (await supervisorA.InvokeAsync<List<LiveSessionInfo>>("ListSessions")).FirstOrDefault(s => s.SessionId == started.SessionId);
            if (found is null) await Task.Delay(50);
        }
        Assert.NotNull(found);
        Assert.Equal("scale-out", found.Source);
        await supervisorA.InvokeAsync<LiveSessionInfo>("Watch", started.SessionId);
        await feeding;
        await streaming;
        var summary = await summaryOnA.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(started.SessionId, summary.SessionId);
        Assert.Equal(12, summary.Updates);
        lock (watched)
        {
            // Watching began within the first seconds: A saw the rest of the call, in order, the same values B sent.
            Assert.True(watched.Count >= 6, $"node A saw only {watched.Count} of 12 updates");
            Assert.Equal(watched.Select(u => u.Seq).OrderBy(s => s), watched.Select(u => u.Seq));
            lock (received)
                foreach (var u in watched)
                    Assert.Equal(received.Single(r => r.Seq == u.Seq).Probabilities["angry"], u.Probabilities["angry"]);
        }

        // Alerts reach supervisors on both nodes.
        for (int i = 0; i < 600; i++) { lock (alertsA) lock (alertsB) if (alertsA.Count > 0 && alertsB.Count > 0) break; await Task.Delay(50); }
        lock (alertsA) Assert.Contains(alertsA, x => x.SessionId == started.SessionId);
        lock (alertsB) Assert.Contains(alertsB, x => x.SessionId == started.SessionId);

        // The log is one: the session, its timeline and its alerts read the same from either node.
        foreach (var node in new[] { a, b })
        {
            using var http = new HttpClient { BaseAddress = node.Address };
            var record = await LogApi.WaitEndedAsync(http, started.SessionId);
            Assert.Equal(12, record.GetProperty("session").GetProperty("summary").GetProperty("updates").GetInt32());
            Assert.NotEqual(0, record.GetProperty("alerts").GetArrayLength());
            Assert.Equal(12, (await http.GetFromJsonAsync<JsonElement>($"/api/sessions/{started.SessionId}/timeline")).GetArrayLength());
        }

        // Once ended, the session leaves the directory that node A reads.
        bool gone = false;
        for (int i = 0; i < 600 && !gone; i++)
        {
            gone = !(await supervisorA.InvokeAsync<List<LiveSessionInfo>>("ListSessions")).Any(s => s.SessionId == started.SessionId);
            if (!gone) await Task.Delay(50);
        }
        Assert.True(gone, "the ended session is still listed");
        Assert.Contains("redis", await new HttpClient { BaseAddress = a.Address }.GetStringAsync("/healthz/ready"));
    }

    private static async Task<HubConnection> Connect(HubProcess node)
    {
        var connection = new HubConnectionBuilder().WithUrl(node.HubUrl).AddMessagePackProtocol().Build();
        await connection.StartAsync();
        return connection;
    }

    [SkippableFact]
    public async Task WhenRedisGoesAwayANodeKeepsServingItsOwnCallersAndTheLog()
    {
        Skip.If(RedisServer.Executable is null, RedisServer.Missing);
        await using var database = await TemporaryPostgres.CreateAsync();
        Skip.If(database is null, TemporaryPostgres.Missing);
        var redis = await RedisServer.StartAsync();
        await using var node = await HubProcess.StartAsync("--ScaleOut:Redis", redis.Configuration, "--CallLog:PostgresConnectionString", database.ConnectionString,
            "--CallLog:FlushMilliseconds", "50");
        await using var caller = await Connect(node);
        var received = new List<EmotionUpdateMessage>();
        var summary = new TaskCompletionSource<SessionSummaryMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        caller.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (received) received.Add(u); });
        caller.On<SessionSummaryMessage>("SessionSummary", s => summary.TrySetResult(s));
        var started = await caller.InvokeAsync<SessionStarted>("StartSession", new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000, Source = "redis-outage" });
        var audio = Channel.CreateUnbounded<byte[]>();
        var streaming = caller.InvokeAsync("StreamAudio", started.SessionId, audio.Reader);
        var chunks = TestAudio.Chunks(TestAudio.Encode(TestAudio.Voice(16000, 6.0, seed: 9), AudioEncoding.Pcm16Le), 3200).ToList();
        for (int i = 0; i < chunks.Count; i++)
        {
            if (i == 20) await redis.DisposeAsync(); // Redis dies 2 s into the call
            await audio.Writer.WriteAsync(chunks[i]);
            await Task.Delay(100);
        }
        audio.Writer.Complete();

        // The caller gets every update and the summary; the log gets every update; readiness says Degraded, not 503.
        var result = await summary.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await streaming.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(12, result.Updates);
        lock (received) Assert.Equal(Enumerable.Range(0, 12), received.Select(u => u.Seq));
        using var http = new HttpClient { BaseAddress = node.Address };
        await LogApi.WaitEndedAsync(http, started.SessionId);
        Assert.Equal(12, (await http.GetFromJsonAsync<JsonElement>($"/api/sessions/{started.SessionId}/timeline")).GetArrayLength());
        var ready = await http.GetAsync("/healthz/ready");
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        var checks = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks");
        Assert.Equal("Degraded", checks.GetProperty("redis").GetProperty("status").GetString());
    }
}

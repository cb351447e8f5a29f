using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Test peers speaking Twilio Media Streams and Asterisk AudioSocket as documented, watched by a supervisor.</summary>
public sealed class PhoneBridgeTests : IAsyncLifetime
{
    private HubServer _server = null!;

    public async Task InitializeAsync() => _server = await HubServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AnAudioSocketListenerStoppedBeforeItBoundStillCompletesStarted()
    {
        // .NET 10 may cancel a BackgroundService's ExecuteAsync before it ever runs when the host stops right after it
        // started (a server that refuses to serve unauthenticated beyond loopback stops itself in ApplicationStarted):
        // Started must complete all the same, or whoever waits for the listener waits for ever (a test run hung on it).
        await using var app = UnstartedHost.Build();
        var listener = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<VoiceEmotion.StreamHub.PhoneBridge.AudioSocketListener>(app.Services);
        Assert.False(listener.Started.IsCompleted);
        await listener.StopAsync(CancellationToken.None);
        Assert.True(listener.Started.IsCompletedSuccessfully);
        Assert.Null(listener.Endpoint);
    }

    /// <summary>A supervisor connection collecting every event of the sessions it watches.</summary>
    private sealed class Supervisor : IAsyncDisposable
    {
        public readonly HubConnection Connection;
        public readonly List<EmotionUpdateMessage> Updates = [];
        public readonly List<SessionSummaryMessage> Summaries = [];

        private Supervisor(HubConnection connection)
        {
            Connection = connection;
            connection.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (Updates) Updates.Add(u); });
            connection.On<SessionSummaryMessage>("SessionSummary", s => { lock (Summaries) Summaries.Add(s); });
        }

        public static async Task<Supervisor> ConnectAsync(HubServer server) => new(await server.ConnectAsync("messagepack"));

        /// <summary>Watches every live session that matches, as soon as it appears.</summary>
        public async Task<List<LiveSessionInfo>> WatchAsync(Func<LiveSessionInfo, bool> match, int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var live = (await Connection.InvokeAsync<List<LiveSessionInfo>>("ListSessions")).Where(match).ToList();
                if (live.Count >= count)
                {
                    foreach (var s in live) await Connection.InvokeAsync<LiveSessionInfo>("Watch", s.SessionId);
                    return live;
                }
                await Task.Delay(20);
            }
            throw new TimeoutException("sessions did not appear");
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static async Task SendText(ClientWebSocket ws, string text) =>
        await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<WebSocketCloseStatus?> WaitForClose(ClientWebSocket ws)
    {
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (ws.State == WebSocketState.Open)
        {
            var r = await ws.ReceiveAsync(buffer, timeout.Token);
            if (r.MessageType == WebSocketMessageType.Close) break;
        }
        return ws.CloseStatus;
    }

    private static object Start(string callSid, string[] tracks) => new
    {
        @event = "start", sequenceNumber = "1", streamSid = "MZ" + callSid,
        start = new
        {
            accountSid = "AC123", streamSid = "MZ" + callSid, callSid, tracks,
            customParameters = new { agent = "42" },
            mediaFormat = new { encoding = "audio/x-mulaw", sampleRate = 8000, channels = 1 },
        },
    };

    private static object Media(string track, int chunk, byte[] mulaw) => new
    {
        @event = "media", sequenceNumber = (chunk + 2).ToString(), streamSid = "MZ1",
        media = new { track, chunk = chunk.ToString(), timestamp = (chunk * 20).ToString(), payload = Convert.ToBase64String(mulaw) },
    };

    [Fact]
    public async Task ATwilioCallWithBothTracksIsAnalysedAsTwoSpeakersAndWatchedLive()
    {
        await using var supervisor = await Supervisor.ConnectAsync(_server);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(_server.TwilioUrl, CancellationToken.None);
        await SendText(ws, Json(new { @event = "connected", protocol = "Call", version = "1.0.0" }));
        await SendText(ws, Json(Start("CA-both", ["inbound", "outbound"])));
        var watched = await supervisor.WatchAsync(s => s.CallId == "CA-both", 2);
        Assert.Equal(new[] { "inbound", "outbound" }, watched.Select(s => s.Track!).Order().ToArray());
        Assert.All(watched, s => Assert.Equal("twilio", s.Source));
        Assert.All(watched, s => Assert.Contains("agent=42", s.Label));

        var caller = AudioEncodings.Encode(TestAudio.Voice(8000, 3.0, seed: 1), AudioEncoding.MuLaw);
        var agent = AudioEncodings.Encode(TestAudio.Voice(8000, 3.0, seed: 2), AudioEncoding.MuLaw);
        for (int i = 0, chunk = 0; i < caller.Length; i += 160, chunk++) // 20 ms frames, as Twilio sends them
        {
            await SendText(ws, Json(Media("inbound", chunk, caller[i..(i + 160)])));
            await SendText(ws, Json(Media("outbound", chunk, agent[i..(i + 160)])));
            if (chunk % 10 == 0) await SendText(ws, Json(new { @event = "mark", streamSid = "MZ1", mark = new { name = $"m{chunk}" } }));
        }
        await SendText(ws, Json(new { @event = "stop", sequenceNumber = "999", streamSid = "MZ1", stop = new { accountSid = "AC123", callSid = "CA-both" } }));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await WaitForClose(ws));

        await Poll.UntilAsync(() => { lock (supervisor.Summaries) return supervisor.Summaries.Count == 2; });
        lock (supervisor.Updates)
        {
            foreach (var s in watched)
            {
                var updates = supervisor.Updates.Where(u => u.SessionId == s.SessionId).ToList();
                Assert.Equal(6, updates.Count);
                Assert.Equal([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], updates.Select(u => Math.Round(u.AudioTime, 3)).ToArray());
            }
        }
        Assert.All(supervisor.Summaries, s => Assert.Equal(3.0, s.DurationSeconds, 2));
        await Poll.UntilAsync(() => _server.Sessions.Count == 0);
        Assert.Equal(0, _server.Sessions.Count);
    }

    [Fact]
    public async Task TwilioMediaIsHandedOverIn100MillisecondPiecesAndTheRestOnStop()
    {
        await using var supervisor = await Supervisor.ConnectAsync(_server);
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(_server.TwilioUrl, CancellationToken.None);
        await SendText(ws, Json(Start("CA-pieces", ["inbound"])));
        var watched = await supervisor.WatchAsync(s => s.CallId == "CA-pieces", 1);
        var session = _server.Sessions.Get(watched[0].SessionId)!;

        var caller = AudioEncodings.Encode(TestAudio.Voice(8000, 2.51, seed: 4), AudioEncoding.MuLaw);
        int sent = 0, chunk = 0;
        for (; sent + 160 <= 2.0 * 8000; sent += 160, chunk++) await SendText(ws, Json(Media("inbound", chunk, caller[sent..(sent + 160)])));
        // A message with its fields in another order and a payload of odd length is still media.
        await SendText(ws, $$"""{"media":{"payload":"{{Convert.ToBase64String(caller[sent..(sent + 83)])}}","track":"inbound"},"streamSid":"MZ1","event":"media"}""");
        sent += 83;
        // 2.0 s of 20 ms messages reach the session as twenty 100 ms pieces; the 83 bytes after them wait.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (session.Pipeline.ChunkPaths.Inline + session.Pipeline.ChunkPaths.Queued < 20 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(20, session.Pipeline.ChunkPaths.Inline + session.Pipeline.ChunkPaths.Queued);
        while (session.Pipeline.AudioSeconds < 1.98 && DateTime.UtcNow < deadline) await Task.Delay(10);
        await Task.Delay(100);
        // Up to the resampler's few milliseconds of look-ahead, and not the 83 bytes still gathering.
        Assert.InRange(session.Pipeline.AudioSeconds, 1.98, 2.0);
        for (; sent + 160 <= caller.Length; sent += 160, chunk++) await SendText(ws, Json(Media("inbound", chunk, caller[sent..(sent + 160)])));
        await SendText(ws, Json(new { @event = "stop", sequenceNumber = "999", streamSid = "MZ1", stop = new { accountSid = "AC123", callSid = "CA-pieces" } }));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await WaitForClose(ws));

        // Nothing is lost: what was gathered when stop came is analysed too.
        await Poll.UntilAsync(() => { lock (supervisor.Summaries) return supervisor.Summaries.Count == 1; });
        Assert.Equal(sent / 8000.0, supervisor.Summaries[0].DurationSeconds, 3);
        lock (supervisor.Updates) Assert.Equal(sent / 4000, supervisor.Updates.Count(u => u.SessionId == watched[0].SessionId)); // one per whole 0.5 s
        Assert.Equal(sent / 800 + 1, session.Pipeline.ChunkPaths.Inline + session.Pipeline.ChunkPaths.Queued);
    }

    public static TheoryData<string, string> MalformedTwilio() => new()
    {
        { "bad-base64", "not valid base64" },
        { "unknown-event", "unknown event 'hello'" },
        { "media-before-start", "media before start" },
        { "not-json", "invalid JSON" },
        { "wrong-format", "unsupported mediaFormat" },
        { "unknown-track", "did not announce" },
    };

    [Theory]
    [MemberData(nameof(MalformedTwilio))]
    public async Task MalformedTwilioInputClosesThatStreamWithTheReasonAndNothingElse(string kind, string reason)
    {
        // A healthy hub session runs alongside the hostile phone stream.
        await using var healthy = await _server.ConnectAsync("messagepack");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 2.0), AudioEncoding.Pcm16Le);
        var healthyRun = HubClient.StreamAsync(healthy, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 }, TestAudio.Chunks(audio, 3200), TimeSpan.FromMilliseconds(10));

        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(_server.TwilioUrl, CancellationToken.None);
        await SendText(ws, Json(new { @event = "connected", protocol = "Call", version = "1.0.0" }));
        var mulaw = new byte[160];
        switch (kind)
        {
            case "bad-base64":
                await SendText(ws, Json(Start("CA-bad", ["inbound"])));
                await SendText(ws, """{"event":"media","streamSid":"MZ1","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"@@not base64@@"}}""");
                break;
            case "unknown-event": await SendText(ws, Json(new { @event = "hello" })); break;
            case "media-before-start": await SendText(ws, Json(Media("inbound", 0, mulaw))); break;
            case "not-json": await SendText(ws, "{\"event\": \"media\", "); break;
            case "wrong-format":
                await SendText(ws, """{"event":"start","start":{"callSid":"CA-x","tracks":["inbound"],"mediaFormat":{"encoding":"audio/l16","sampleRate":16000,"channels":1}}}""");
                break;
            case "unknown-track":
                await SendText(ws, Json(Start("CA-track", ["inbound"])));
                await SendText(ws, Json(Media("outbound", 0, mulaw)));
                break;
        }
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await WaitForClose(ws));
        Assert.Contains(reason, ws.CloseStatusDescription);

        var (updates, summary, errors, failure) = await healthyRun;
        Assert.Null(failure);
        Assert.Empty(errors);
        Assert.Equal(4, updates.Count);
        Assert.NotNull(summary);
        await Poll.UntilAsync(() => _server.Sessions.Count == 0);
        Assert.Equal(0, _server.Sessions.Count);
    }

    [Fact]
    public async Task AnAudioSocketCallIsAnalysedAndWatchedLive()
    {
        await using var supervisor = await Supervisor.ConnectAsync(_server);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.AudioSocket);
        var stream = tcp.GetStream();
        var uuid = Guid.NewGuid();
        await stream.WriteAsync(AudioSocketFrames.Frame(0x01, uuid.ToByteArray(bigEndian: true)));
        var watched = await supervisor.WatchAsync(s => s.CallId == uuid.ToString(), 1);
        Assert.Equal("audiosocket", watched[0].Source);

        var slin = AudioEncodings.Encode(TestAudio.Voice(8000, 2.0, seed: 3), AudioEncoding.Pcm16Le);
        for (int i = 0; i < slin.Length; i += 320) await stream.WriteAsync(AudioSocketFrames.Frame(0x10, slin[i..(i + 320)]));
        await stream.WriteAsync(AudioSocketFrames.Frame(0x03, "5"u8.ToArray()));
        await stream.WriteAsync(AudioSocketFrames.Frame(0x00, []));

        await Poll.UntilAsync(() => { lock (supervisor.Summaries) return supervisor.Summaries.Count == 1; });
        lock (supervisor.Updates) Assert.Equal(4, supervisor.Updates.Count(u => u.SessionId == watched[0].SessionId));
        Assert.Equal(2.0, supervisor.Summaries[0].DurationSeconds, 2);
        await Poll.UntilAsync(() => _server.Sessions.Count == 0);
    }

    public static TheoryData<string> MalformedAudioSocket() => new() { "unknown-kind", "audio-before-uuid", "oversize", "truncated", "odd-audio", "short-uuid" };

    [Theory]
    [MemberData(nameof(MalformedAudioSocket))]
    public async Task MalformedAudioSocketInputClosesThatCallAndFinalisesItsSession(string kind)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.AudioSocket);
        var stream = tcp.GetStream();
        if (kind is not ("audio-before-uuid" or "short-uuid")) await stream.WriteAsync(AudioSocketFrames.Frame(0x01, Guid.NewGuid().ToByteArray(bigEndian: true)));
        var audio = new byte[320];
        switch (kind)
        {
            case "unknown-kind": await stream.WriteAsync(AudioSocketFrames.Frame(0x42, audio)); break;
            case "audio-before-uuid": await stream.WriteAsync(AudioSocketFrames.Frame(0x10, audio)); break;
            case "oversize": await stream.WriteAsync(new byte[] { 0x10, 0xFF, 0xFF }); break;
            case "truncated": await stream.WriteAsync(AudioSocketFrames.Frame(0x10, audio)[..100]); tcp.Client.Shutdown(SocketShutdown.Send); break;
            case "odd-audio": await stream.WriteAsync(AudioSocketFrames.Frame(0x10, new byte[321])); break;
            case "short-uuid": await stream.WriteAsync(AudioSocketFrames.Frame(0x01, new byte[5])); break;
        }
        // The server answers with an AudioSocket error frame (0xff) and closes.
        var reply = new byte[16];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n = await stream.ReadAsync(reply, timeout.Token);
        Assert.True(n >= 3, $"{kind}: expected an error frame, got {n} bytes");
        Assert.Equal(0xff, reply[0]);
        await Poll.UntilAsync(() => _server.Sessions.Count == 0);
        Assert.Equal(0, _server.Sessions.Count);
    }

}

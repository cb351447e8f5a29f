using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Security;
using Xunit;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>
/// Authentication and authorisation against the real hub: every forbidden access is refused (401 / 403 / hub error),
/// and no session's data reaches a client that does not own it.
/// </summary>
public sealed class AuthTests
{
    private const string Alice = "alice-client-key-0001", Bob = "bob-client-key-00002", Sup = "supervisor-key-000003", Adm = "admin-key-00000000004";
    private const string SigningKey = "test-signing-key-of-at-least-32-bytes!!";

    private static readonly Dictionary<string, string?> Keys = new()
    {
        ["Auth:ApiKeys:0:Name"] = "alice", ["Auth:ApiKeys:0:Key"] = Alice, ["Auth:ApiKeys:0:Roles:0"] = "client",
        ["Auth:ApiKeys:1:Name"] = "bob", ["Auth:ApiKeys:1:Key"] = Bob, ["Auth:ApiKeys:1:Roles:0"] = "client",
        ["Auth:ApiKeys:2:Name"] = "sup", ["Auth:ApiKeys:2:Key"] = Sup, ["Auth:ApiKeys:2:Roles:0"] = "supervisor",
        ["Auth:ApiKeys:3:Name"] = "adm", ["Auth:ApiKeys:3:Key"] = Adm, ["Auth:ApiKeys:3:Roles:0"] = "admin",
        ["Auth:Jwt:SigningKey"] = SigningKey, ["Auth:Jwt:Issuer"] = "https://idp.test", ["Auth:Jwt:Audience"] = "voiceemotion",
    };

    private static readonly StartSessionRequest Pcm16k = new() { Encoding = "pcm16le", SampleRate = 16000 };

    private static IEnumerable<byte[]> Speech(double seconds, int seed = 3) =>
        TestAudio.Chunks(TestAudio.Encode(TestAudio.Voice(16000, seconds, seed), AudioEncoding.Pcm16Le), 3200);

    private static string Jwt(string subject, object roles, string audience = "voiceemotion", DateTime? expires = null, string key = SigningKey) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://idp.test",
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["role"] = roles },
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-10),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task HttpApiRefusesMissingWrongAndUnderprivilegedCredentials()
    {
        await using var server = await HubServer.StartAsync(settings: Keys);
        using var anonymous = server.Http();
        var none = await anonymous.GetAsync("/api/sessions");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("unauthorized", await none.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http("not-a-key-at-all-xyz").GetAsync("/api/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http(Jwt("eve", "supervisor", key: "another-signing-key-of-32-bytes-or-more")).GetAsync("/api/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http(Jwt("eve", "supervisor", audience: "someone-else")).GetAsync("/api/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http(Jwt("eve", "supervisor", expires: DateTime.UtcNow.AddMinutes(-10))).GetAsync("/api/sessions")).StatusCode);

        // Uploading needs the client role.
        using var form = new MultipartFormDataContent { { new ByteArrayContent(WavWriter.Write(TestAudio.Voice(16000, 1.0), 16000, WavSampleFormat.Pcm16)), "file", "a.wav" } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/analyze", form)).StatusCode);
        var forbidden = await server.Http(Sup).PostAsync("/api/analyze", form);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("forbidden", await forbidden.Content.ReadAsStringAsync());
        var upload = await server.Http(Alice).PostAsync("/api/analyze", form);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        string id = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("summary").GetProperty("sessionId").GetString()!;
        await LogApi.WaitEndedAsync(server.Http(Alice), id);

        // Deleting needs the admin role; metrics need a supervisor; health checks are open (load balancers).
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http(Alice).DeleteAsync($"/api/sessions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http(Sup).DeleteAsync($"/api/sessions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.Http(Alice).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http(Sup).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Http(Adm).DeleteAsync($"/api/sessions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http(Adm).GetAsync($"/api/sessions/{id}")).StatusCode);

        // The hub's negotiation refuses a caller without credentials; the query-string token works for WebSocket clients.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/hubs/emotion/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsync($"/hubs/emotion/negotiate?negotiateVersion=1&access_token={Alice}", null)).StatusCode);
        // ...but only on the hub and phone paths: a key in the URL of the REST API (where it would end up in logs) is ignored.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/sessions?access_token={Sup}")).StatusCode);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("messagepack")]
    public async Task ClientsSeeOnlyTheirOwnSessionsLiveAndInTheLog(string protocol)
    {
        await using var server = await HubServer.StartAsync(settings: Keys);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => server.ConnectAsync(protocol));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => server.ConnectAsync(protocol, "wrong-key-wrong-key-1"));

        await using var alice = await server.ConnectAsync(protocol, Alice);
        await using var bob = await server.ConnectAsync(protocol, Bob);
        await using var sup = await server.ConnectAsync(protocol, Sup);
        var leaked = new List<string>();
        bob.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (leaked) leaked.Add(u.SessionId); });
        bob.On<SessionSummaryMessage>("SessionSummary", s => { lock (leaked) leaked.Add(s.SessionId); });
        bob.On<AlertMessage>("Alert", a => { lock (leaked) leaked.Add(a.SessionId); });

        // A supervisor may not stream; a client may not subscribe to every session's alerts.
        var noStream = await Assert.ThrowsAsync<HubException>(() => sup.InvokeAsync<SessionStarted>("StartSession", Pcm16k));
        Assert.Contains("HubException: forbidden:", noStream.Message);
        var noAlerts = await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync<AlertMessage[]>("SubscribeAlerts"));
        Assert.Contains("HubException: forbidden:", noAlerts.Message);

        // Alice streams; while she does, Bob can neither list nor watch her session, nor stream into it; the supervisor can.
        var watched = new List<EmotionUpdateMessage>();
        sup.On<EmotionUpdateMessage>("EmotionUpdate", u => { lock (watched) watched.Add(u); });
        var streaming = HubClient.StreamAsync(alice, Pcm16k, Speech(4.0), TimeSpan.FromMilliseconds(120)); // ≈ 5 s: live while the supervisor finds and watches it
        List<LiveSessionInfo> live = [];
        for (int i = 0; i < 1000 && live.Count == 0; i++) { live = await sup.InvokeAsync<List<LiveSessionInfo>>("ListSessions"); await Task.Delay(20); }
        var session = Assert.Single(live);
        Assert.Equal("alice", session.Owner);
        Assert.Empty(await bob.InvokeAsync<List<LiveSessionInfo>>("ListSessions"));
        Assert.Single(await alice.InvokeAsync<List<LiveSessionInfo>>("ListSessions"));
        var notFound = await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync<LiveSessionInfo>("Watch", session.SessionId));
        Assert.Contains("HubException: not_found:", notFound.Message);
        var intrude = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        intrude.Writer.TryWrite(new byte[3200]);
        intrude.Writer.Complete();
        await Assert.ThrowsAsync<HubException>(() => bob.InvokeAsync("StreamAudio", session.SessionId, intrude.Reader));
        await sup.InvokeAsync<LiveSessionInfo>("Watch", session.SessionId);
        var (updates, summary, errors, failure) = await streaming;
        Assert.Null(failure);
        Assert.Empty(errors);
        Assert.NotNull(summary);
        Assert.Equal(8, updates.Count);
        // The supervisor's copies travel on its own connection: they may land after Alice's summary.
        await Poll.UntilAsync(() => { lock (watched) return watched.Count > 0; });
        lock (watched) Assert.NotEmpty(watched);
        await Task.Delay(200);
        lock (leaked) Assert.Empty(leaked);

        // The log: Alice reads hers; Bob's list is empty even when he asks for Alice's by name, and her session is
        // "not found" for him in every view; the supervisor sees it with its owner.
        using var aliceHttp = server.Http(Alice);
        using var bobHttp = server.Http(Bob);
        await LogApi.WaitEndedAsync(aliceHttp, session.SessionId);
        Assert.Equal(0, (await bobHttp.GetFromJsonAsync<JsonElement>("/api/sessions?owner=alice")).GetProperty("total").GetInt32());
        foreach (var path in new[] { "", "/timeline", "/export?format=csv", "/export?format=json" })
            Assert.Equal(HttpStatusCode.NotFound, (await bobHttp.GetAsync($"/api/sessions/{session.SessionId}{path}")).StatusCode);
        var mine = await aliceHttp.GetFromJsonAsync<JsonElement>("/api/sessions");
        Assert.Equal(1, mine.GetProperty("total").GetInt32());
        var seen = await server.Http(Sup).GetFromJsonAsync<JsonElement>($"/api/sessions/{session.SessionId}");
        Assert.Equal("alice", seen.GetProperty("session").GetProperty("owner").GetString());
        Assert.Equal(1, (await server.Http(Sup).GetFromJsonAsync<JsonElement>("/api/sessions?owner=alice")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await server.Http(Sup).GetFromJsonAsync<JsonElement>("/api/sessions?owner=bob")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task JwtRolesAndSubjectComeFromTheToken()
    {
        await using var server = await HubServer.StartAsync(settings: Keys);
        // A role array with two roles: this caller may stream and supervise.
        await using var carol = await server.ConnectAsync("json", Jwt("carol", new[] { "client", "supervisor" }));
        var (updates, summary, _, failure) = await HubClient.StreamAsync(carol, Pcm16k, Speech(1.0));
        Assert.Null(failure);
        Assert.Equal(2, updates.Count);
        await carol.InvokeAsync<AlertMessage[]>("SubscribeAlerts");
        using var http = server.Http(Jwt("carol", "client"));
        var logged = await LogApi.WaitEndedAsync(http, summary!.SessionId);
        Assert.Equal("carol", logged.GetProperty("session").GetProperty("owner").GetString());
        // Another subject with the client role does not see carol's session.
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http(Jwt("dave", "client")).GetAsync($"/api/sessions/{summary.SessionId}")).StatusCode);
        // A token without the client role cannot stream.
        await using var viewer = await server.ConnectAsync("json", Jwt("erin", "supervisor"));
        Assert.Contains("HubException: forbidden:", (await Assert.ThrowsAsync<HubException>(() => viewer.InvokeAsync<SessionStarted>("StartSession", Pcm16k))).Message);
    }

    [Fact]
    public async Task TwilioStreamsNeedAClientCredential()
    {
        await using var server = await HubServer.StartAsync(settings: Keys);
        var mulaw = TestAudio.Encode(TestAudio.Voice(8000, 1.2, seed: 5), AudioEncoding.MuLaw);

        // No credentials anywhere: the socket opens (Twilio cannot send headers) but closes at 'start' with 1008.
        var (status, reason) = await TwilioAsync(server.TwilioUrl, null, mulaw);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("unauthorized", reason);
        (status, reason) = await TwilioAsync(server.TwilioUrl, Sup, mulaw);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("forbidden", reason);
        Assert.Equal(0, server.Sessions.Count);

        // Credentials on the upgrade request are checked before it: a wrong key is a 401, a key without the client role a 403.
        var bad = await Assert.ThrowsAsync<WebSocketException>(() => new ClientWebSocket().ConnectAsync(new Uri(server.TwilioUrl + "?access_token=wrong-key-wrong-key-2"), CancellationToken.None));
        Assert.Contains("401", bad.Message);
        var under = await Assert.ThrowsAsync<WebSocketException>(() => new ClientWebSocket().ConnectAsync(new Uri(server.TwilioUrl + $"?access_token={Sup}"), CancellationToken.None));
        Assert.Contains("403", under.Message);

        // The key as Twilio's custom parameter: the call is analysed and owned by the key's name; the token is not stored.
        (status, _) = await TwilioAsync(server.TwilioUrl, Alice, mulaw);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        var page = await WaitListAsync(server.Http(Alice), 1);
        var call = page.GetProperty("items")[0];
        Assert.Equal("twilio", call.GetProperty("source").GetString());
        Assert.Equal("alice", call.GetProperty("owner").GetString());
        Assert.Equal("agent=7", call.GetProperty("label").GetString());
        Assert.DoesNotContain(Alice, page.ToString());
        Assert.Equal(0, (await server.Http(Bob).GetFromJsonAsync<JsonElement>("/api/sessions")).GetProperty("total").GetInt32());
    }

    [Fact]
    public void WithoutAuthenticationEveryBindingIsNarrowedToLoopback()
    {
        Assert.Equal(("http://127.0.0.1:5000;https://127.0.0.1:5001", true), AuthSetup.RestrictToLoopback("http://0.0.0.0:5000;https://*:5001"));
        Assert.Equal(("http://127.0.0.1:80;http://127.0.0.1:8080", true), AuthSetup.RestrictToLoopback("http://+:80;http://[::]:8080"));
        Assert.Equal(("http://127.0.0.1:8080", true), AuthSetup.RestrictToLoopback("http://192.168.1.20:8080"));
        Assert.Equal(("http://127.0.0.1:0;http://[::1]:5000;http://localhost:5000", false), AuthSetup.RestrictToLoopback("http://127.0.0.1:0;http://[::1]:5000;http://localhost:5000"));
    }

    [Fact]
    public async Task TheRealServerWithoutAuthenticationNarrowsItsAddressAndSaysSo()
    {
        // The StreamHub process asked to listen on every interface, with no credentials configured.
        await using var hub = await Soak.HubProcess.StartAsync("--urls", "http://0.0.0.0:0");
        Assert.True(AuthSetup.IsLoopbackHost(hub.Address.Host), $"listening on {hub.Address}");
        Assert.Contains("binding http://127.0.0.1:0 instead of http://0.0.0.0:0", hub.Output);
        for (int i = 0; i < 1500 && !hub.Output.Contains("listening on localhost only", StringComparison.Ordinal); i++) await Task.Delay(20);
        Assert.Contains("listening on localhost only", hub.Output);
        using var http = new HttpClient { BaseAddress = hub.Address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/sessions")).StatusCode); // the local user has every role
    }

    [Fact]
    public async Task AServerWithoutAuthenticationBoundBeyondLoopbackStopsItself()
    {
        // Binding every interface (as a Kestrel:Endpoints setting could) with no credentials configured: the server
        // refuses to serve rather than expose every role to the network.
        await using var server = await HubServer.StartAsync(urls: "http://0.0.0.0:0");
        var stopping = new TaskCompletionSource();
        server.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        Assert.Same(stopping.Task, await Task.WhenAny(stopping.Task, Task.Delay(TimeSpan.FromSeconds(10))));

        // With credentials configured, the same binding serves.
        await using var secured = await HubServer.StartAsync(urls: "http://0.0.0.0:0", settings: Keys);
        await Task.Delay(300);
        Assert.False(secured.Lifetime.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(HttpStatusCode.OK, (await secured.Http(Sup).GetAsync("/api/sessions")).StatusCode);
    }

    [Fact]
    public async Task AudioSocketPeersMustBeAllowedByAddress()
    {
        // A peer on a non-loopback address of this machine, not on the allow list, gets an error frame and no session.
        var local = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(local is not null, "this machine has no non-loopback IPv4 address to connect from");
        var settings = new Dictionary<string, string?>(Keys) { ["PhoneBridge:AudioSocketAddress"] = "0.0.0.0" };
        await using var server = await HubServer.StartAsync(settings: settings);
        var uuid = AudioSocketFrames.Frame(0x01, Guid.NewGuid().ToByteArray());
        using (var refused = new System.Net.Sockets.TcpClient())
        {
            await refused.ConnectAsync(local, server.AudioSocket.Port);
            var stream = refused.GetStream();
            await stream.WriteAsync(uuid);
            var answer = new byte[4];
            int n = await stream.ReadAtLeastAsync(answer, 1, throwOnEndOfStream: false);
            Assert.True(n >= 1 && answer[0] == 0xff, "expected an AudioSocket error frame");
        }
        Assert.Equal(0, server.Sessions.Count);

        // The same peer on the allow list, and any loopback peer, are served.
        settings["Auth:AudioSocketAllowedAddresses:0"] = local.ToString();
        await using var allowing = await HubServer.StartAsync(settings: settings);
        using var allowed = new System.Net.Sockets.TcpClient();
        await allowed.ConnectAsync(local, allowing.AudioSocket.Port);
        await allowed.GetStream().WriteAsync(uuid);
        for (int i = 0; i < 3000 && allowing.Sessions.Count == 0; i++) await Task.Delay(10);
        var session = Assert.Single(allowing.Sessions.All);
        Assert.Equal("audiosocket", session.Owner);
    }

    private static async Task<JsonElement> WaitListAsync(HttpClient http, int count)
    {
        for (int i = 0; i < 1200; i++) // 30 s: the log writes in batches
        {
            var page = await http.GetFromJsonAsync<JsonElement>("/api/sessions");
            if (page.GetProperty("total").GetInt32() >= count) return page;
            await Task.Delay(25);
        }
        throw new TimeoutException($"fewer than {count} sessions in the log");
    }

    /// <summary>A Twilio-shaped call: start (with the token as a custom parameter when given), 20 ms media, stop.</summary>
    private static async Task<(WebSocketCloseStatus? Status, string? Reason)> TwilioAsync(Uri url, string? token, byte[] mulaw)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(url, CancellationToken.None);
        async Task Send(object message) =>
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
        var parameters = new Dictionary<string, string> { ["agent"] = "7" };
        if (token is not null) parameters["token"] = token;
        try
        {
            await Send(new { @event = "connected", protocol = "Call", version = "1.0.0" });
            await Send(new { @event = "start", sequenceNumber = "1", streamSid = "MZ1", start = new { streamSid = "MZ1", callSid = "CA1", tracks = new[] { "inbound" }, customParameters = parameters, mediaFormat = new { encoding = "audio/x-mulaw", sampleRate = 8000, channels = 1 } } });
            for (int i = 0; i + 160 <= mulaw.Length; i += 160)
                await Send(new { @event = "media", streamSid = "MZ1", media = new { track = "inbound", chunk = (i / 160 + 1).ToString(), timestamp = (i / 8).ToString(), payload = Convert.ToBase64String(mulaw, i, 160) } });
            await Send(new { @event = "stop", streamSid = "MZ1" });
        }
        catch (WebSocketException) { /* closed by the server mid-call */ }
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var r = await socket.ReceiveAsync(buffer, timeout.Token);
            if (r.MessageType == WebSocketMessageType.Close) break;
        }
        return (socket.CloseStatus, socket.CloseStatusDescription);
    }
}

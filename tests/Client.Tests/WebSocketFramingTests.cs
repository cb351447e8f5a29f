using System.Net;
using Microsoft.AspNetCore.Builder;
using System.Net.Sockets;
using System.Net.WebSockets;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Tests;

namespace VoiceEmotion.Client.Tests;

/// <summary>
/// The client's socket sends a message as one frame (WholeMessageWebSocket): read as raw frames off a real loopback
/// TCP connection, the parts of a message arrive as one masked frame with the same bytes, where the plain socket sends a
/// frame per part; a message beyond the gathering limit still arrives whole, in frames; and the client built on it
/// still streams, and still presents its token, to the real hub.
/// </summary>
public sealed class WebSocketFramingTests
{
    private sealed record Frame(bool Fin, int Opcode, byte[] Payload);

    // A connected pair: the client end a real (managed) WebSocket over TCP, the server end the raw bytes it sends.
    private static async Task<(WebSocket Client, NetworkStream Server, IDisposable Resources)> ConnectAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await listener.AcceptTcpClientAsync();
        listener.Stop();
        var socket = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        return (socket, server.GetStream(), new Both(client, server));
    }

    private sealed class Both(TcpClient a, TcpClient b) : IDisposable
    {
        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }

    // RFC 6455 §5.2: FIN, opcode, mask bit and 7/16/64-bit length, the 4-byte mask (client frames), the payload.
    private static async Task<Frame> ReadFrameAsync(Stream s)
    {
        var head = new byte[2];
        await s.ReadExactlyAsync(head);
        bool fin = (head[0] & 0x80) != 0, masked = (head[1] & 0x80) != 0;
        long length = head[1] & 0x7F;
        if (length >= 126)
        {
            var ext = new byte[length == 126 ? 2 : 8];
            await s.ReadExactlyAsync(ext);
            length = 0;
            foreach (var b in ext) length = (length << 8) | b;
        }
        Assert.True(masked, "a client frame must be masked");
        var mask = new byte[4];
        await s.ReadExactlyAsync(mask);
        var payload = new byte[length];
        await s.ReadExactlyAsync(payload);
        for (int i = 0; i < payload.Length; i++) payload[i] ^= mask[i % 4];
        return new Frame(fin, head[0] & 0x0F, payload);
    }

    private static async Task<List<Frame>> ReadMessageAsync(Stream s)
    {
        var frames = new List<Frame>();
        do frames.Add(await ReadFrameAsync(s));
        while (!frames[^1].Fin);
        return frames;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private static async Task SendInPartsAsync(WebSocket socket, byte[] message, int part)
    {
        for (int at = 0; at < message.Length; at += part)
        {
            int n = Math.Min(part, message.Length - at);
            await socket.SendAsync(message.AsMemory(at, n), WebSocketMessageType.Binary, endOfMessage: at + n == message.Length, CancellationToken.None);
        }
    }

    [Fact]
    public async Task AMessageSentInPartsGoesOutAsOneFrame()
    {
        var (plain, plainServer, plainResources) = await ConnectAsync();
        var (whole, wholeServer, wholeResources) = await ConnectAsync();
        using var r1 = plainResources;
        using var r2 = wholeResources;
        using var gathering = new WholeMessageWebSocket(whole);
        var message = Bytes(80_000, 1); // ten calls' 250 ms of 16 kHz PCM16, as SignalR's 4 KiB segments give it
        byte[] small = Bytes(300, 2);

        await SendInPartsAsync(plain, message, 4096);
        var plainFrames = await ReadMessageAsync(plainServer);
        Assert.Equal(20, plainFrames.Count); // the control: a frame per part

        await SendInPartsAsync(gathering, message, 4096);
        await SendInPartsAsync(gathering, small, 4096); // a one-part message passes straight through
        var one = Assert.Single(await ReadMessageAsync(wholeServer));
        Assert.Equal(2, one.Opcode); // binary
        Assert.Equal(message, one.Payload);
        Assert.Equal(small, Assert.Single(await ReadMessageAsync(wholeServer)).Payload);
    }

    [Fact]
    public async Task AMessageBeyondTheLimitArrivesWholeInFrames()
    {
        var (socket, server, resources) = await ConnectAsync();
        using var r = resources;
        using var gathering = new WholeMessageWebSocket(socket);
        var message = Bytes(WholeMessageWebSocket.MaxGathered * 2 + 5000, 3);

        var sending = SendInPartsAsync(gathering, message, 64 * 1024);
        var frames = await ReadMessageAsync(server);
        await sending;
        Assert.InRange(frames.Count, 2, 4); // at most MaxGathered a frame, never a frame per part (33 parts)
        Assert.All(frames, f => Assert.InRange(f.Payload.Length, 1, WholeMessageWebSocket.MaxGathered));
        Assert.Equal(2, frames[0].Opcode);
        Assert.All(frames.Skip(1), f => Assert.Equal(0, f.Opcode)); // continuation frames
        Assert.Equal(message, frames.SelectMany(f => f.Payload).ToArray());
    }

    [Fact]
    public async Task TheClientStillStreamsAndPresentsItsTokenToTheRealHub()
    {
        const string key = "framing-client-key-0001";
        // Every request to the hub's connection endpoint: a refused WebSocket would not fail the connection, the client
        // would fall back to server-sent events or long polling, so the transport and the token are checked here.
        var requests = new List<(bool WebSocket, string? Authorization)>();
        await using var server = await HubServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:0:Name"] = "framing", ["Auth:ApiKeys:0:Key"] = key, ["Auth:ApiKeys:0:Roles:0"] = "client",
        }, map: app => app.Use(async (context, next) =>
        {
            if (context.Request.Path == "/hubs/emotion")
                lock (requests) requests.Add((context.WebSockets.IsWebSocketRequest, context.Request.Headers.Authorization.ToString()));
            await next();
        }));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = server.Address }));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() =>
            EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = server.Address, AccessToken = "wrong-key-wrong-key-01" }));

        await using var hub = await EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = server.Address, AccessToken = key });
        // 2 s chunks (64 KB messages, many SignalR segments each): every owed update and the summary.
        var audio = AudioEncodings.Encode(SyntheticVoice.Generate(16000, 6.0, 7), AudioEncoding.Pcm16Le);
        await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(16000), new SessionOptions { BufferUpdates = true });
        var summary = await stream.StreamAsync(new MemoryStream(audio), new StreamPacing { ChunkDuration = TimeSpan.FromSeconds(2), Speed = 0 });
        var updates = new List<EmotionUpdate>();
        await foreach (var u in stream.ReadUpdatesAsync()) updates.Add(u);
        Assert.Equal(12, updates.Count);
        Assert.Equal(updates.Count, summary.Updates);
        lock (requests)
        {
            var connected = requests.Where(r => r.Authorization == "Bearer " + key).ToList();
            Assert.NotEmpty(connected);
            Assert.All(connected, r => Assert.True(r.WebSocket, "the client fell back from WebSockets"));
        }
    }
}

using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace VoiceEmotion.Soak;

/// <summary>
/// A SignalR client written against the wire protocol (JSON hub protocol over a WebSocket, negotiation skipped) for the
/// behaviours the official client will not show: vanishing without a close frame, and never reading what the server sends.
/// </summary>
public sealed class RawHubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private int _updates;
    private Task _reading = Task.CompletedTask;

    /// <summary>Updates received (only while the caller reads).</summary>
    public int UpdatesReceived => Volatile.Read(ref _updates);

    /// <summary>Connects and completes the handshake. A small <paramref name="receiveBufferBytes"/> (the TCP window this
    /// client offers) makes a client that stops reading push back on the server within seconds, not megabytes.</summary>
    public static async Task<RawHubClient> ConnectAsync(Uri hubUrl, CancellationToken cancellationToken, int? receiveBufferBytes = null)
    {
        var client = new RawHubClient();
        var ws = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == "https" ? "wss" : "ws" }.Uri;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (receiveBufferBytes is { } size) socket.ReceiveBufferSize = size; // before connecting: it fixes the window scale
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        await client._socket.ConnectAsync(ws, new HttpMessageInvoker(handler, disposeHandler: false), cancellationToken);
        await client.SendAsync(new { protocol = "json", version = 1 }, cancellationToken);
        var handshake = await client.ReadMessageAsync(cancellationToken);
        if (handshake is null) throw new WebSocketException("closed during the handshake");
        if (handshake.Value.TryGetProperty("error", out var error)) throw new InvalidOperationException($"handshake refused: {error.GetString()}");
        return client;
    }

    /// <summary>Invokes a hub method and reads until its completion (counting updates that arrive meanwhile).</summary>
    public async Task<JsonElement?> InvokeAsync(string target, object?[] arguments, CancellationToken cancellationToken)
    {
        string id = (++_nextId).ToString();
        await SendAsync(new { type = 1, invocationId = id, target, arguments }, cancellationToken);
        while (true)
        {
            var message = await ReadMessageAsync(cancellationToken) ?? throw new WebSocketException("closed during an invocation");
            int type = message.GetProperty("type").GetInt32();
            if (type == 3 && message.GetProperty("invocationId").GetString() == id)
            {
                if (message.TryGetProperty("error", out var error)) throw new InvalidOperationException(error.GetString());
                return message.TryGetProperty("result", out var result) ? result.Clone() : null;
            }
            Count(message);
        }
    }

    /// <summary>Begins StreamAudio(sessionId, stream): later <see cref="SendChunkAsync"/> calls feed it.</summary>
    public Task BeginStreamAsync(string sessionId, CancellationToken cancellationToken) =>
        SendAsync(new { type = 1, invocationId = "audio", target = "StreamAudio", arguments = new object[] { sessionId }, streamIds = new[] { "s" } }, cancellationToken);

    /// <summary>A protocol ping: the server's client-timeout sees a live client even when it reads nothing.</summary>
    public Task PingAsync(CancellationToken cancellationToken) => SendAsync(new { type = 6 }, cancellationToken);

    public Task SendChunkAsync(byte[] chunk, CancellationToken cancellationToken) =>
        SendAsync(new { type = 2, invocationId = "s", item = chunk }, cancellationToken);

    /// <summary>Completes when background reading ends: the server closed or dropped the connection.</summary>
    public Task Reading => _reading;

    /// <summary>From now on, read everything the server sends in the background, counting updates (a client that
    /// keeps up). No invocations after this. (A receive cannot simply be timed out: cancelling it aborts the socket.)</summary>
    public void StartReading() => _reading = Task.Run(async () =>
    {
        try
        {
            while (await ReadMessageAsync(CancellationToken.None) is { } message) Count(message);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException) { /* aborted */ }
    });

    /// <summary>Vanish: no close frame, the TCP connection reset — as a crashed client or a dropped network looks.</summary>
    public void Abort() => _socket.Abort();

    private void Count(JsonElement message)
    {
        if (message.GetProperty("type").GetInt32() == 1 && message.TryGetProperty("target", out var t) && t.GetString() == "EmotionUpdate") Interlocked.Increment(ref _updates);
    }

    private async Task SendAsync(object message, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message) + RecordSeparator);
        await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
    }

    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _received = new();
    private int _scanned;

    /// <summary>The next whole message (records end with 0x1e), or null once the server closed.</summary>
    private async Task<JsonElement?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var data = _received.GetBuffer().AsSpan(0, (int)_received.Length);
            int end = data[_scanned..].IndexOf((byte)RecordSeparator);
            if (end >= 0)
            {
                end += _scanned;
                var message = JsonDocument.Parse(data[..end].ToArray()).RootElement.Clone();
                var rest = data[(end + 1)..].ToArray();
                _received.SetLength(0);
                _received.Write(rest);
                _scanned = 0;
                return message;
            }
            _scanned = data.Length;
            var result = await _socket.ReceiveAsync(_buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            _received.Write(_buffer, 0, result.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _reading;
        _socket.Dispose();
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.StreamHub.PhoneBridge;

/// <summary>
/// Asterisk AudioSocket over TCP (docs/PROTOCOL.md): frames of a 1-byte kind, a 16-bit big-endian payload length and the
/// payload. 0x01 = call UUID (16 bytes, first), 0x10 = signed-linear 16-bit little-endian 8 kHz mono audio,
/// 0x03 = DTMF digit, 0x00 = hangup, 0xff = error. One connection is one call; malformed input closes that connection
/// (its session keeps what it had) and nothing else.
/// The protocol carries no credentials, so access is by address: without authentication configured the listener binds
/// loopback only; with it, peers must be loopback or listed in Auth:AudioSocketAllowedAddresses (others get an error
/// frame and are closed). Calls are owned by Auth:AudioSocketOwner.
/// </summary>
public sealed class AudioSocketListener(Sessions.SessionOpener opener, IOptions<PhoneBridgeOptions> options, IOptions<Security.AuthOptions> auth,
    Observability.HubMetrics metrics, ILogger<AudioSocketListener> logger) : BackgroundService
{
    public const byte KindHangup = 0x00, KindUuid = 0x01, KindDtmf = 0x03, KindAudio = 0x10, KindError = 0xff;

    private TcpListener? _listener;
    private HashSet<IPAddress> _allowed = [];

    /// <summary>The bound endpoint once listening (port 0 in options picks a free port).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the listener is bound (or immediately when disabled), or when the service stops before it
    /// was (then <see cref="Endpoint"/> stays null).</summary>
    public Task Started => _started.Task;

    // .NET 10 runs ExecuteAsync through Task.Run with the stopping token, so a host stopped right after it started (a
    // server that refuses to serve unauthenticated beyond loopback stops itself in ApplicationStarted) can cancel it before
    // it ever runs (dotnet/runtime#131249): whoever waits for Started must not wait for a listener that will not come.
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        return base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _started.TrySetResult();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.AudioSocketPort < 0) { _started.TrySetResult(); return; }
        var address = IPAddress.Parse(o.AudioSocketAddress);
        if (!auth.Value.Configured && !IPAddress.IsLoopback(address))
        {
            logger.LogWarning("No authentication configured: the AudioSocket listener binds 127.0.0.1 instead of {Address}", address);
            address = IPAddress.Loopback;
        }
        _allowed = [.. auth.Value.AudioSocketAllowedAddresses.Select(a => IPAddress.TryParse(a, out var ip) ? ip.MapToIPv6()
            : throw new InvalidOperationException($"Auth:AudioSocketAllowedAddresses: '{a}' is not an IP address"))];
        _listener = new TcpListener(address, o.AudioSocketPort);
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            logger.LogError("AudioSocket listener could not bind {Address}:{Port}: {Message}", o.AudioSocketAddress, o.AudioSocketPort, e.Message);
            _started.TrySetResult();
            return;
        }
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        logger.LogInformation("AudioSocket listening on {Endpoint}", Endpoint);
        _started.TrySetResult();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(stoppingToken);
                _ = Task.Run(() => ServeAsync(client, stoppingToken), stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            _listener.Stop();
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        using var _ = client;
        var stream = client.GetStream();
        var header = new byte[3];
        var payload = new byte[Math.Max(16, options.Value.MaxAudioSocketPayloadBytes)];
        Live? live = null;
        string? problem = null;
        var peer = (client.Client.RemoteEndPoint as IPEndPoint)?.Address;
        if (peer is null || !(IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer) || _allowed.Contains(peer.MapToIPv6())))
        {
            logger.LogWarning("AudioSocket connection from {Peer} refused: not in Auth:AudioSocketAllowedAddresses", peer);
            metrics.Error(Sessions.HubError.Forbidden);
            try { await stream.WriteAsync(new byte[] { KindError, 0, 1, 0x01 }, stoppingToken); } catch (IOException) { }
            return;
        }
        try
        {
            while (true)
            {
                if (!await ReadExactly(stream, header, stoppingToken)) { problem = live is null ? null : "connection closed without hangup"; break; }
                byte kind = header[0];
                int length = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(1));
                if (kind is not (KindHangup or KindUuid or KindDtmf or KindAudio or KindError)) { problem = $"unknown message kind 0x{kind:x2}"; break; }
                if (length > payload.Length) { problem = $"payload of {length} bytes is over the limit of {payload.Length}"; break; }
                if (!await ReadExactly(stream, payload.AsMemory(0, length), stoppingToken)) { problem = $"truncated message: kind 0x{kind:x2} declared {length} bytes"; break; }
                if (kind == KindHangup) break;
                if (kind == KindError) { problem = $"peer reported error {Convert.ToHexString(payload, 0, length)}"; break; }
                if (kind == KindDtmf) continue;
                if (kind == KindUuid)
                {
                    if (live is not null) { problem = "a second UUID on one connection"; break; }
                    if (length != 16) { problem = $"UUID payload of {length} bytes, expected 16"; break; }
                    var uuid = new Guid(payload.AsSpan(0, 16), bigEndian: true).ToString();
                    var (session, error) = opener.Open(new AudioFormat(AudioEncoding.Pcm16Le, 8000, 1), "audiosocket", null, auth.Value.AudioSocketOwner, callId: uuid, track: "inbound");
                    if (session is null) { problem = $"{error}: the server is at its session limit"; break; }
                    live = new Live(session.Id, session);
                    continue;
                }
                // audio
                if (live is null) { problem = "audio before the UUID message"; break; }
                if (length % 2 != 0) { problem = $"audio payload of {length} bytes is not whole 16-bit samples"; break; }
                if (length > 0 && !await live.Session.Pipeline.WriteAsync(payload.AsMemory(0, length), stoppingToken)) { problem = "the session has ended"; break; }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            problem = $"connection lost: {e.Message}";
        }
        if (problem is not null)
        {
            logger.LogWarning("AudioSocket call {CallId} closed: {Problem}", live?.Session.CallId, problem);
            metrics.Error("audiosocket_protocol");
        }
        if (live is not null) await opener.FinishAsync(live.Session);
        if (problem is not null && client.Connected)
        {
            // Tell the peer why, as an AudioSocket error frame, before closing.
            try { await stream.WriteAsync(new byte[] { KindError, 0, 1, 0x01 }, CancellationToken.None); } catch (IOException) { }
        }
    }

    private static async Task<bool> ReadExactly(NetworkStream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[read..], cancellationToken);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    private sealed record Live(string Id, Sessions.LiveSession Session);
}

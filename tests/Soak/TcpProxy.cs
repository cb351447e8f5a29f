using System.Net;
using System.Net.Sockets;

namespace VoiceEmotion.Soak;

/// <summary>
/// A loopback TCP relay in front of a server (the database): <see cref="CutAsync"/> makes that server unreachable —
/// every open connection is reset and new ones are refused — until <see cref="Restore"/>. The way to take a real
/// database away briefly without stopping it (which needs root) or touching its data.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _upstream;
    private readonly List<(TcpClient A, TcpClient B)> _pairs = [];
    private readonly object _gate = new();
    private TcpListener? _listener;
    private CancellationTokenSource _cut = new();

    public TcpProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Restore();
    }

    public int Port { get; }

    public bool Open { get; private set; }

    /// <summary>Connections relayed so far.</summary>
    public int Relayed { get; private set; }

    public void Restore()
    {
        lock (_gate)
        {
            if (Open) return;
            _cut = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            Open = true;
            _ = AcceptLoop(_listener, _cut.Token);
        }
    }

    public Task CutAsync()
    {
        lock (_gate)
        {
            if (!Open) return Task.CompletedTask;
            Open = false;
            _cut.Cancel();
            _listener!.Stop();
            foreach (var (a, b) in _pairs)
            {
                a.Client.LingerState = new LingerOption(true, 0); // reset, as a vanished host would
                a.Close();
                b.Close();
            }
            _pairs.Clear();
        }
        return Task.CompletedTask;
    }

    private async Task AcceptLoop(TcpListener listener, CancellationToken cut)
    {
        while (!cut.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(cut); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            var upstream = new TcpClient();
            try { await upstream.ConnectAsync(_upstream, cut); }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Close();
                upstream.Close();
                continue;
            }
            lock (_gate)
            {
                if (cut.IsCancellationRequested) { client.Close(); upstream.Close(); return; }
                _pairs.Add((client, upstream));
                Relayed++;
            }
            _ = Pump(client, upstream, cut);
        }
    }

    private async Task Pump(TcpClient a, TcpClient b, CancellationToken cut)
    {
        try
        {
            var sa = a.GetStream();
            var sb = b.GetStream();
            await Task.WhenAny(sa.CopyToAsync(sb, cut), sb.CopyToAsync(sa, cut));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException) { }
        finally
        {
            lock (_gate) _pairs.Remove((a, b));
            a.Close();
            b.Close();
        }
    }

    public async ValueTask DisposeAsync() => await CutAsync();
}

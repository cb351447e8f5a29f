using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Debian's redis-server (installed by scripts/test.sh) on a free loopback port, without persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static string? Executable => new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    public const string Missing = "redis-server is not installed: run scripts/test.sh, which installs Debian's redis-server";

    public static async Task<RedisServer> StartAsync()
    {
        var exe = Executable ?? throw new InvalidOperationException(Missing);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" }) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (int i = 0; i < 200; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var reply = new byte[7];
                int n = await stream.ReadAtLeastAsync(reply, 5, throwOnEndOfStream: false);
                if (n >= 5 && reply.AsSpan(0, 5).SequenceEqual("+PONG"u8)) return new RedisServer(process, port);
            }
            catch (SocketException) { }
            await Task.Delay(25);
        }
        process.Kill();
        throw new InvalidOperationException($"redis-server did not answer on port {port}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

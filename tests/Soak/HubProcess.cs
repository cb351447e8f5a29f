using System.Diagnostics;

namespace VoiceEmotion.Soak;

/// <summary>
/// The real StreamHub executable (the Release build of src/StreamHub) in a process of its own on loopback: for what only
/// a whole process shows — signals, restarts, several nodes, memory and handle counts.
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output;

    private HubProcess(Process process, Uri address, List<string> output)
    {
        _process = process;
        Address = address;
        _output = output;
    }

    public Uri Address { get; }

    public Uri HubUrl => new(Address, "/hubs/emotion");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote on stdout and stderr so far.</summary>
    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    public static string RepositoryRoot()
    {
        string repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "VoiceEmotion.sln"))) repo = Path.GetDirectoryName(repo)!;
        return repo;
    }

    /// <summary>Starts the hub with extra command-line settings ("--Section:Key", "value", ...) on a free port and waits
    /// until it listens.</summary>
    public static Task<HubProcess> StartAsync(params string[] settings) => StartAsync(0, settings);

    /// <summary>Starts the hub on a given loopback port (0 = a free one).</summary>
    public static async Task<HubProcess> StartAsync(int port, params string[] settings)
    {
        string repo = RepositoryRoot();
        string dll = Path.Combine(repo, "src", "StreamHub", "bin", "Release", "net10.0", "VoiceEmotion.StreamHub.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"build the StreamHub first (dotnet build -c Release): {dll}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.Combine(repo, "src", "StreamHub"), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--urls", $"http://127.0.0.1:{port}", "--PhoneBridge:AudioSocketPort", "0" }.Concat(settings)) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        void Capture(string? line)
        {
            if (line is null) return;
            lock (lines) lines.Add(line);
            int at = line.IndexOf("Now listening on: ", StringComparison.Ordinal);
            if (at >= 0) address.TrySetResult(line[(at + "Now listening on: ".Length)..].Trim());
        }
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(address.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != address.Task)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            lock (lines) throw new InvalidOperationException($"the StreamHub did not start listening:\n{string.Join('\n', lines)}");
        }
        // The lines captured from the start are the hub's output: one list, so no line is lost between start-up and now.
        return new HubProcess(process, new Uri(await address.Task), lines);
    }

    /// <summary>Resident memory, open file descriptors (sockets included) and threads, from /proc.</summary>
    public (long RssBytes, int Handles, int Threads) Resources()
    {
        long rss = 0;
        int threads = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = int.Parse(line.Split('\t', ' ').Last(s => s.Length > 0));
        }
        return (rss, Directory.GetFiles($"/proc/{_process.Id}/fd").Length, threads);
    }

    /// <summary>Open file descriptors by kind (socket, pipe, anon_inode:[eventfd], files by folder).</summary>
    public Dictionary<string, int> HandleKinds()
    {
        var kinds = new Dictionary<string, int>();
        foreach (var fd in Directory.GetFiles($"/proc/{_process.Id}/fd"))
        {
            string target;
            try { target = new FileInfo(fd).LinkTarget ?? "?"; }
            catch (IOException) { continue; }
            string kind = target.StartsWith("socket:", StringComparison.Ordinal) ? "socket"
                : target.StartsWith("pipe:", StringComparison.Ordinal) ? "pipe"
                : target.StartsWith("anon_inode:", StringComparison.Ordinal) ? target
                : Path.GetDirectoryName(target) ?? target;
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        return kinds;
    }

    /// <summary>SIGTERM (a graceful stop, as an orchestrator sends) and wait for the exit.</summary>
    public async Task TerminateAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited) return;
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        using var exit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(exit.Token);
    }

    /// <summary>SIGKILL (Process.Kill on Linux): no handler runs, as when a node is killed or loses power; waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { await TerminateAsync(TimeSpan.FromSeconds(15)); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VoiceEmotion.Client;

namespace VoiceEmotion.Replay;

/// <summary>
/// Load mode: N concurrent real-time streams over few connections for a fixed time, then a latency report. Each stream
/// is one call (one session) for the whole run, its recordings back to back with a short silence between them, as a
/// phone call would be; <c>--session-per-recording</c> makes each recording a session of its own instead. The time
/// counts from when the connections are open, and at its end each stream stops sending and is completed rather than
/// cancelled, so every update owed for the audio sent arrives before its summary: what was received is then compared
/// with what was owed exactly, however slow a loaded machine is to connect, start sessions or answer.
/// The client is lean because it shares the machine: one shared pacing clock (<see cref="Pacer"/>), chunks cut once
/// per recording, compact updates by default. With <c>--server-pid</c> the report also has the server's CPU % and memory
/// (/proc), so one run is one row of the scaling table (docs/PERFORMANCE.md; scripts/load-curve.sh).
/// </summary>
public static class LoadTest
{
    public sealed record Report(
        [property: JsonPropertyName("streams")] int Streams,
        [property: JsonPropertyName("connections")] int Connections,
        [property: JsonPropertyName("mode")] string Mode,
        // "call": one session per stream for the whole run; "session-per-recording": one per recording played.
        [property: JsonPropertyName("sessionsAre")] string SessionsAre,
        [property: JsonPropertyName("compact")] bool Compact,
        [property: JsonPropertyName("batchedUpdates")] bool BatchedUpdates,
        [property: JsonPropertyName("speed")] double Speed,
        [property: JsonPropertyName("durationSeconds")] double DurationSeconds,
        // Seconds of the same load this process ran first and discarded (--warmup), 0 when none.
        [property: JsonPropertyName("clientWarmupSeconds")] int ClientWarmupSeconds,
        // Each connection (bundle) or stream started after a uniform draw from [0, startSpreadMs) ms (--start-spread-ms):
        // the drawn delays' min, max and count, so a report says how far its calls' update phases were spread.
        [property: JsonPropertyName("startSpreadMs")] int StartSpreadMs,
        [property: JsonPropertyName("startOffsetsMs")] Dictionary<string, double> StartOffsetsMs,
        [property: JsonPropertyName("sessions")] int Sessions,
        [property: JsonPropertyName("audioSeconds")] double AudioSeconds,
        [property: JsonPropertyName("updatesReceived")] long UpdatesReceived,
        [property: JsonPropertyName("updatesExpected")] long UpdatesExpected,
        [property: JsonPropertyName("latencyMs")] Dictionary<string, double> LatencyMs,
        // latencyMs split in two: chunk → update latencies, and the updates the end of a stream's audio released (its
        // last step or steps, counted from that end through the stream's completion: a different path).
        [property: JsonPropertyName("chunkLatencyMs")] Dictionary<string, double> ChunkLatencyMs,
        [property: JsonPropertyName("endLatencyMs")] Dictionary<string, double> EndLatencyMs,
        // Chunk → update latency by the second of the run its chunk was sent in: where in the run the tail is (the
        // first seconds, a few spikes, or throughout).
        [property: JsonPropertyName("timeline")] List<TimelineSecond> Timeline,
        [property: JsonPropertyName("errors")] int Errors,
        [property: JsonPropertyName("errorSamples")] List<string> ErrorSamples,
        // CPU % of one core, over the steady part of the run (after --cpu-warmup, until the sending stops).
        [property: JsonPropertyName("serverCpuPercent")] double? ServerCpuPercent,
        [property: JsonPropertyName("clientCpuPercent")] double ClientCpuPercent,
        [property: JsonPropertyName("serverMemoryMiB")] ServerMemory? ServerMemoryMiB);

    /// <summary>One second of the run: the chunk → update latencies of the chunks sent in it.</summary>
    public sealed record TimelineSecond(
        [property: JsonPropertyName("second")] int Second,
        [property: JsonPropertyName("count")] int Count,
        [property: JsonPropertyName("p50")] double P50,
        [property: JsonPropertyName("p99")] double P99,
        [property: JsonPropertyName("max")] double Max);

    /// <summary>The server's resident memory (VmRSS): before the connections opened, at the end of the streaming (its
    /// sessions still open) and the most seen while streaming; per session = (at the end − before) ÷ streams.</summary>
    public sealed record ServerMemory(
        [property: JsonPropertyName("before")] double Before,
        [property: JsonPropertyName("loaded")] double Loaded,
        [property: JsonPropertyName("peak")] double Peak,
        [property: JsonPropertyName("perSession")] double PerSession);

    public static async Task<Report> RunAsync(ReplayOptions options, IReadOnlyList<Recording> recordings)
    {
        int connections = (options.Concurrency + options.StreamsPerConnection - 1) / options.StreamsPerConnection;
        double? rssBefore = ProcessRssMiB(options.ServerPid);
        var hubs = new List<EmotionHubClient>();
        for (int c = 0; c < connections; c++) hubs.Add(await EmotionHubClient.ConnectAsync(options.ClientOptions));
        var sessions = new System.Collections.Concurrent.ConcurrentBag<ReplaySession>();
        long runStart = Stopwatch.GetTimestamp();
        using var pacer = new Pacer();
        // Started once the connections are open: connecting on a busy machine must not eat the run's duration.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.DurationSeconds));
        double rssPeak = rssBefore ?? 0, rssLoaded = rssBefore ?? 0;
        // CPU over the steady part: from the end of the warm-up to the end of the sending (not the drain after it).
        double? serverCpu0 = null, serverCpu1 = null;
        double clientCpu0 = 0, clientCpu1 = 0, cpuFrom = 0, cpuTo = 0;
        var sampling = Task.Run(async () =>
        {
            double warmup = options.CpuWarmupSeconds < options.DurationSeconds ? options.CpuWarmupSeconds : 0;
            try { await Task.Delay(TimeSpan.FromSeconds(warmup), stop.Token); }
            catch (OperationCanceledException) { }
            (cpuFrom, serverCpu0, clientCpu0) = (Stopwatch.GetElapsedTime(runStart).TotalSeconds, ProcessCpu(options.ServerPid), ClientCpu());
            // Memory once a second while streaming; the last sample is the loaded memory (all sessions open).
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(1000, stop.Token); } catch (OperationCanceledException) { }
                if (ProcessRssMiB(options.ServerPid) is { } rss) { rssLoaded = rss; rssPeak = Math.Max(rssPeak, rss); }
            }
            (cpuTo, serverCpu1, clientCpu1) = (Stopwatch.GetElapsedTime(runStart).TotalSeconds, ProcessCpu(options.ServerPid), ClientCpu());
        });

        var offsets = new System.Collections.Concurrent.ConcurrentBag<int>();
        TimeSpan StartOffset()
        {
            int ms = Random.Shared.Next(Math.Max(1, options.StartSpread));
            offsets.Add(ms);
            return TimeSpan.FromMilliseconds(ms);
        }

        var callAudio = options.SessionPerRecording ? null : new CallAudio(recordings);
        // A call's summary is owed once the run stops it; a loaded machine gets a minute after that to send it.
        var callTimeout = TimeSpan.FromSeconds(options.DurationSeconds + 60);
        if (options.Bundle)
        {
            var calls = Enumerable.Range(0, options.Concurrency).Select(s => new ReplaySession(hubs[s % connections], new CallTape(callAudio!, s, $"call-{s}"),
                options.Speed, compact: options.CompactUpdates, pacer: pacer, summaryTimeout: callTimeout, batch: options.BatchUpdates)).ToList();
            foreach (var c in calls) sessions.Add(c);
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
            {
                await Task.Delay(StartOffset());
                await ReplayBundle.RunAsync(hubs[c], calls.Where((_, s) => s % connections == c).ToList(), options.Speed, pacer, stop.Token);
            }));
        }
        var streams = options.Bundle ? [] : Enumerable.Range(0, options.Concurrency).Select(async s =>
        {
            await Task.Delay(StartOffset());
            if (callAudio is not null)
            {
                var call = new ReplaySession(hubs[s % connections], new CallTape(callAudio, s, $"call-{s}"), options.Speed,
                    compact: options.CompactUpdates, pacer: options.SharedPacing ? pacer : null, summaryTimeout: callTimeout, batch: options.BatchUpdates);
                sessions.Add(call);
                await call.RunAsync(stop.Token);
                return;
            }
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                var session = new ReplaySession(hubs[s % connections], recordings[(s + n) % recordings.Count], options.Speed,
                    compact: options.CompactUpdates, pacer: options.SharedPacing ? pacer : null);
                sessions.Add(session);
                await session.RunAsync(stop.Token);
            }
        }).ToList();
        await Task.WhenAll(streams);
        await sampling;
        double elapsed = Stopwatch.GetElapsedTime(runStart).TotalSeconds;
        double cpuSeconds = Math.Max(1e-3, cpuTo - cpuFrom);
        foreach (var h in hubs) await h.DisposeAsync();

        var all = sessions.ToList();
        var latencies = all.SelectMany(s => s.LatenciesMs).Order().ToArray();
        var endLatencies = all.SelectMany(s => s.EndLatenciesMs).Order().ToArray();
        var chunkLatencies = all.SelectMany(s => s.ChunkLatenciesMs).Order().ToArray();
        long expected = all.Sum(s => (long)s.ExpectedUpdates);
        var errors = all.Where(s => s.Error is not null || s.Failure is not null).ToList();
        return new Report(options.Concurrency, connections, options.StreamsPerConnection == 1 ? "per-connection" : $"{(options.Bundle ? "bundled" : "multiplexed")}×{options.StreamsPerConnection}{(options.BatchUpdates ? "+batched" : "")}",
            options.SessionPerRecording ? "session-per-recording" : "call",
            options.CompactUpdates, options.BatchUpdates, options.Speed, elapsed, options.ClientWarmupSeconds,
            options.StartSpread, new() { ["min"] = offsets.DefaultIfEmpty().Min(), ["max"] = offsets.DefaultIfEmpty().Max(), ["count"] = offsets.Count }, all.Count, all.Sum(s => s.SecondsStreamed),
            all.Sum(s => (long)s.ReceivedOwed), expected,
            Summary(latencies), Summary(chunkLatencies), Summary(endLatencies), Timeline(all, runStart),
            errors.Count,
            errors.Take(5).Select(s => s.Error is { } e ? e.Message : s.Failure!.Message).ToList(),
            serverCpu0 is { } b && serverCpu1 is { } a ? Math.Round((a - b) / cpuSeconds * 100, 1) : null,
            Math.Round((clientCpu1 - clientCpu0) / cpuSeconds * 100, 1),
            rssBefore is { } before ? new ServerMemory(Math.Round(before, 1), Math.Round(rssLoaded, 1), Math.Round(rssPeak, 1),
                Math.Round((rssLoaded - before) / options.Concurrency, 3)) : null);
    }

    public static void Write(Report report, string? path)
    {
        var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(json);
        if (path is not null) File.WriteAllText(path, json);
        if (report.Timeline.Count > 0)
            Console.Error.WriteLine("p99 ms by second of the run: " + string.Join(' ', report.Timeline.Select(t => t.P99.ToString("F0", CultureInfo.InvariantCulture))));
        Console.Error.WriteLine(TableHeader);
        Console.Error.WriteLine(TableRow(report));
    }

    public const string TableHeader = """
        | streams | mode | p50 ms | p99 ms | p99 ms, chunk-released | errors | received/owed | server CPU % | client CPU % | server MiB | MiB/session |
        |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """;

    /// <summary>The report as a row of the scaling table.</summary>
    public static string TableRow(Report r)
    {
        string F(double? v, string format = "F1") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";
        return $"| {r.Streams} | {r.Mode} | {F(r.LatencyMs["p50"])} | {F(r.LatencyMs["p99"])} | {F(r.ChunkLatencyMs["p99"])} | {r.Errors} | {r.UpdatesReceived}/{r.UpdatesExpected} | " +
               $"{F(r.ServerCpuPercent)} | {F(r.ClientCpuPercent)} | {F(r.ServerMemoryMiB?.Loaded, "F0")} | {F(r.ServerMemoryMiB?.PerSession, "F3")} |";
    }

    private static List<TimelineSecond> Timeline(List<ReplaySession> sessions, long runStart)
    {
        var bySecond = new SortedDictionary<int, List<double>>();
        foreach (var s in sessions)
            for (int i = 0; i < s.ChunkLatenciesMs.Count; i++)
            {
                int second = (int)Math.Max(0, Stopwatch.GetElapsedTime(runStart, s.ChunkSentAt[i]).TotalSeconds);
                if (!bySecond.TryGetValue(second, out var list)) bySecond[second] = list = [];
                list.Add(s.ChunkLatenciesMs[i]);
            }
        return bySecond.Select(kv =>
        {
            var sorted = kv.Value.Order().ToArray();
            return new TimelineSecond(kv.Key, sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
        }).ToList();
    }

    private static Dictionary<string, double> Summary(double[] sorted) => new()
    {
        ["p50"] = Percentile(sorted, 0.50), ["p95"] = Percentile(sorted, 0.95), ["p99"] = Percentile(sorted, 0.99),
        ["max"] = sorted.Length == 0 ? 0 : sorted[^1], ["count"] = sorted.Length,
    };

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 2);

    /// <summary>CPU seconds used by a process on this machine (utime + stime from /proc), or null when unreadable.</summary>
    private static double? ProcessCpu(int? pid)
    {
        if (pid is null) return null;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime (fields 14 and 15)
            return ticks / 100.0; // USER_HZ is 100 on Linux
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static double ClientCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    /// <summary>Resident memory of a process in MiB (VmRSS from /proc/PID/status), or null when unreadable.</summary>
    private static double? ProcessRssMiB(int? pid)
    {
        if (pid is null) return null;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0; // kB
        }
        catch (Exception)
        {
        }
        return null;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Client;

namespace VoiceEmotion.Soak;

public sealed record SoakOptions
{
    public double DurationSeconds { get; init; } = 600;
    /// <summary>Virtual callers, each placing one call after another.</summary>
    public int Callers { get; init; } = 80;
    /// <summary>How long the database is away (0 = no outage).</summary>
    public double OutageSeconds { get; init; } = 10;
    /// <summary>Restart the server mid-load (SIGTERM, then start again on the same port).</summary>
    public bool Restart { get; init; } = true;
    /// <summary>PostgreSQL server for the log (a role that may create databases); the soak works in a database of its own.</summary>
    public string Postgres { get; init; } = Environment.GetEnvironmentVariable("VOICEEMOTION_TEST_POSTGRES") ?? "";
    public int Seed { get; init; } = 1;
    public string? ReportPath { get; init; }
    public Action<string> Progress { get; init; } = Console.Error.WriteLine;
}

/// <summary>
/// The soak: many callers placing calls one after another against the real StreamHub process — finishing normally,
/// vanishing mid-call, watching everything while never reading, calling through the Twilio door — while the emotion log's
/// database is taken away and given back, and the server is restarted mid-load. Afterwards the log is read directly:
/// every session must have ended, every computed update must be there, and the process's memory and handles are sampled
/// throughout.
/// </summary>
public sealed class SoakRun(SoakOptions options)
{
    private readonly ConcurrentBag<CallRecord> _calls = [];
    private readonly List<Sample> _samples = [];
    private readonly List<string> _events = [];
    private readonly Stopwatch _clock = new();
    private readonly List<(double From, double To)> _restartWindows = [];
    private (double From, double To)? _outageWindow;
    private HubProcess? _server;
    private int _generation;
    private readonly List<string> _readyDuringOutage = [];
    private Dictionary<string, int> _handlesAtStart = [], _handlesAtEnd = [];
    private (long RssBytes, int Handles, int Threads) _startResources;

    private double Now => _clock.Elapsed.TotalSeconds;

    private void Event(string text)
    {
        string line = $"[{Now,7:F1} s] {text}";
        lock (_events) _events.Add(line);
        options.Progress(line);
    }

    public async Task<SoakReport> RunAsync()
    {
        if (options.Postgres.Length == 0) throw new InvalidOperationException("no PostgreSQL server: pass --postgres or set VOICEEMOTION_TEST_POSTGRES");
        string database = $"ve_soak_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(options.Postgres))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        var direct = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = database };
        var upstream = new IPEndPoint((await Dns.GetHostAddressesAsync(direct.Host!))[0], direct.Port);
        await using var proxy = new TcpProxy(upstream);
        // The hub reaches the database only through the proxy; short timeouts so an outage shows as errors, not hangs.
        var viaProxy = new NpgsqlConnectionStringBuilder(direct.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 3, CommandTimeout = 5 };
        string[] settings =
        [
            "--CallLog:PostgresConnectionString", viaProxy.ConnectionString,
            "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information",
        ];
        try
        {
            _clock.Start();
            _server = await HubProcess.StartAsync(0, settings);
            _generation = 1;
            _handlesAtStart = _server.HandleKinds();
            _startResources = _server.Resources();
            int port = _server.Address.Port;
            Event($"server 1 (pid {_server.Id}) listening on {_server.Address}; log on PostgreSQL database {database} through a relay on port {proxy.Port}");
            using var stop = new CancellationTokenSource();
            using var stopSampling = new CancellationTokenSource();
            var sampling = SampleLoop(stopSampling.Token);
            var callers = Enumerable.Range(0, options.Callers).Select(i => CallerLoop(i, stop.Token)).ToList();

            double T = options.DurationSeconds;
            if (options.OutageSeconds > 0)
            {
                await Until(0.2 * T);
                _outageWindow = (Now, Now + options.OutageSeconds);
                await proxy.CutAsync();
                Event($"database cut off (relay reset every connection and refuses new ones) for {options.OutageSeconds:F0} s");
                while (Now < _outageWindow.Value.To)
                {
                    _readyDuringOutage.Add(await ReadyStatus());
                    await Task.Delay(1000);
                }
                proxy.Restore();
                Event($"database back; /healthz/ready answered {string.Join(",", _readyDuringOutage.Distinct())} during the outage");
            }
            if (options.Restart)
            {
                await Until(0.45 * T);
                double from = Now;
                var before = Final(_server);
                Event($"SIGTERM to server 1 mid-load ({before.Sessions} live sessions)");
                var old = _server;
                await old.TerminateAsync(TimeSpan.FromSeconds(60));
                double stopped = Now;
                Event($"server 1 exited after {stopped - from:F1} s");
                _server = await HubProcess.StartAsync(port, settings);
                _generation = 2;
                _handlesAtStart = _server.HandleKinds();
                _startResources = _server.Resources();
                _restartWindows.Add((from, Now + 2));
                Event($"server 2 (pid {_server.Id}) listening after {Now - stopped:F1} s");
                await old.DisposeAsync();
            }
            await Until(T);
            stop.Cancel();
            Event("load stopped; waiting for calls in progress to end");
            await Task.WhenAll(callers);
            var idle = await WaitIdle();
            Event($"server idle: {idle.Sessions} live sessions, {idle.LogPending} log entries pending");
            stopSampling.Cancel();
            await sampling;
            var final = Final(_server);
            _handlesAtEnd = _server.HandleKinds();
            await _server.TerminateAsync(TimeSpan.FromSeconds(60));
            Event("server 2 stopped; reading the log");
            var report = await VerifyAsync(direct.ConnectionString, idle, final, proxy.Relayed);
            if (options.ReportPath is not null) await File.WriteAllTextAsync(options.ReportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            return report;
        }
        finally
        {
            if (_server is not null) await _server.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(options.Postgres);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private async Task Until(double seconds)
    {
        double wait = seconds - Now;
        if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait));
    }

    // ---- callers -------------------------------------------------------------------------------------------------

    private async Task CallerLoop(int index, CancellationToken stop)
    {
        var random = new Random(options.Seed * 7919 + index);
        await Task.Delay(random.Next(3000), CancellationToken.None); // ramp up
        int n = 0;
        while (!stop.IsCancellationRequested)
        {
            double roll = random.NextDouble();
            var call = new CallRecord
            {
                Kind = roll < 0.60 ? "normal" : roll < 0.85 ? "abrupt" : roll < 0.95 ? "twilio" : "stalled",
                StartedAt = Now,
                Seed = options.Seed * 100_000 + index * 1000 + n++,
            };
            _calls.Add(call);
            var hub = _server!.HubUrl;
            try
            {
                switch (call.Kind)
                {
                    case "normal": await NormalCall(call, hub, random); break;
                    case "abrupt": await AbruptCall(call, hub, random); break;
                    case "twilio": await TwilioCall(call, hub, random); break;
                    default: await StalledCall(call, hub, random); break;
                }
            }
            catch (Exception e)
            {
                call.Outcome = "failed";
                call.Error = $"{e.GetType().Name}: {e.Message}";
            }
            call.EndedAt = Now;
            if (call.Outcome == "failed") await Task.Delay(200 + random.Next(800), CancellationToken.None); // back off (restart)
        }
    }

    private static byte[] Pcm(CallRecord call, double seconds) =>
        AudioEncodings.Encode(SyntheticVoice.Generate(16000, seconds, call.Seed), AudioEncoding.Pcm16Le);

    /// <summary>VoiceEmotion.Client (MessagePack): a whole call at real time, its updates and summary checked.</summary>
    private async Task NormalCall(CallRecord call, Uri hub, Random random)
    {
        double seconds = 2 + random.Next(13) * 0.5; // 2..8 s
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        await using var client = await EmotionHubClient.ConnectAsync(new VoiceEmotionClientOptions { ServerUrl = hub, Protocol = HubProtocol.MessagePack }, timeout.Token);
        await using var stream = await client.StartSessionAsync(VoiceEmotion.Client.AudioFormat.Pcm16(16000), new SessionOptions { Source = "soak-normal", BufferUpdates = false }, timeout.Token);
        call.SessionId = stream.SessionId;
        var lateness = new List<double>();
        double t0 = 0;
        stream.ChunkSent += c => { if (c.Index == 0) t0 = Now; };
        stream.UpdateReceived += u =>
        {
            lock (lateness) { call.Received++; lateness.Add(Now - (t0 + u.AudioTime - 0.1)); } // since the chunk completing that audio was sent
        };
        SessionSummary result;
        try
        {
            result = await stream.StreamAsync(new MemoryStream(Pcm(call, seconds)), StreamPacing.RealTime, timeout.Token); // 100 ms chunks
        }
        catch (VoiceEmotionException e) when (e.SessionId is not null && e.Code is not (ErrorCodes.ConnectionLost or ErrorCodes.Cancelled))
        {
            call.Error = e.Message;
            throw new InvalidOperationException(call.Error, e);
        }
        await Task.Delay(50);
        call.SummaryUpdates = result.Updates;
        call.ExpectedUpdates = (int)(seconds / 0.5 + 1e-9);
        lock (lateness) call.LatenessMs = lateness.Select(l => l * 1000).ToList();
        call.Outcome = "completed";
    }

    /// <summary>A wire-level client that streams 1–5 s, reading as it goes, then vanishes without a close frame.</summary>
    private async Task AbruptCall(CallRecord call, Uri hub, Random random)
    {
        double seconds = 1 + random.Next(9) * 0.5;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        await using var client = await RawHubClient.ConnectAsync(hub, timeout.Token);
        var started = await client.InvokeAsync("StartSession", [new { encoding = "pcm16le", sampleRate = 16000, channels = 1, source = "soak-abrupt" }], timeout.Token);
        call.SessionId = started!.Value.GetProperty("sessionId").GetString();
        await client.BeginStreamAsync(call.SessionId!, timeout.Token);
        client.StartReading();
        var pcm = Pcm(call, seconds);
        double t0 = Now;
        for (int i = 0, k = 0; i < pcm.Length; i += 3200, k++)
        {
            await Until(t0 + k * 0.1);
            await client.SendChunkAsync(pcm.AsSpan(i, Math.Min(3200, pcm.Length - i)).ToArray(), timeout.Token);
        }
        await Until(t0 + seconds + 0.3); // the last updates arrive, then the client vanishes mid-session (no completion)
        call.Received = client.UpdatesReceived;
        client.Abort();
        call.Outcome = "dropped";
    }

    /// <summary>A supervisor that watches every live session and streams a call of its own — and never reads a byte
    /// the server sends after that, for up to 30 s, then vanishes.</summary>
    private async Task StalledCall(CallRecord call, Uri hub, Random random)
    {
        double seconds = 10 + random.Next(21);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        await using var client = await RawHubClient.ConnectAsync(hub, timeout.Token, receiveBufferBytes: 4096);
        var live = await client.InvokeAsync("ListSessions", [], timeout.Token);
        foreach (var s in live!.Value.EnumerateArray().Take(50))
        {
            try { await client.InvokeAsync("Watch", [s.GetProperty("sessionId").GetString()], timeout.Token); }
            catch (InvalidOperationException) { /* ended meanwhile */ }
        }
        await client.InvokeAsync("SubscribeAlerts", [], timeout.Token);
        var started = await client.InvokeAsync("StartSession", [new { encoding = "pcm16le", sampleRate = 16000, channels = 1, source = "soak-stalled" }], timeout.Token);
        call.SessionId = started!.Value.GetProperty("sessionId").GetString();
        await client.BeginStreamAsync(call.SessionId!, timeout.Token);
        var pcm = Pcm(call, seconds);
        double t0 = Now;
        try
        {
            for (int i = 0, k = 0; i < pcm.Length; i += 3200, k++)
            {
                await Until(t0 + k * 0.1);
                await client.SendChunkAsync(pcm.AsSpan(i, Math.Min(3200, pcm.Length - i)).ToArray(), timeout.Token);
            }
            call.Outcome = "stalled";
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            call.Outcome = "stalled-cut"; // the server gave up on this reader
            call.Error = e.Message;
        }
        client.Abort();
    }

    /// <summary>A phone call through the Twilio door: start, 20 ms mu-law media at real time, stop.</summary>
    private async Task TwilioCall(CallRecord call, Uri hub, Random random)
    {
        double seconds = 2 + random.Next(9) * 0.5;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60));
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new UriBuilder(hub) { Scheme = "ws", Path = "/phone/twilio" }.Uri, timeout.Token);
        string callSid = $"CA{call.Seed}";
        call.CallId = callSid;
        async Task Send(object message) => await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, timeout.Token);
        await Send(new { @event = "connected", protocol = "Call", version = "1.0.0" });
        await Send(new { @event = "start", streamSid = "MZ" + call.Seed, start = new { streamSid = "MZ" + call.Seed, callSid, tracks = new[] { "inbound" }, customParameters = new { soak = "1" }, mediaFormat = new { encoding = "audio/x-mulaw", sampleRate = 8000, channels = 1 } } });
        var mulaw = AudioEncodings.Encode(SyntheticVoice.Generate(8000, seconds, call.Seed), AudioEncoding.MuLaw);
        double t0 = Now;
        for (int i = 0, k = 0; i + 160 <= mulaw.Length; i += 160, k++)
        {
            if (k % 5 == 0) await Until(t0 + k * 0.02);
            await Send(new { @event = "media", streamSid = "MZ" + call.Seed, media = new { track = "inbound", payload = Convert.ToBase64String(mulaw, i, 160) } });
        }
        await Send(new { @event = "stop", streamSid = "MZ" + call.Seed });
        var buffer = new byte[512];
        while (socket.State == WebSocketState.Open && (await socket.ReceiveAsync(buffer, timeout.Token)).MessageType != WebSocketMessageType.Close) { }
        if (socket.CloseStatus != WebSocketCloseStatus.NormalClosure) throw new InvalidOperationException($"Twilio stream closed {socket.CloseStatus} {socket.CloseStatusDescription}");
        call.ExpectedUpdates = (int)(seconds / 0.5 + 1e-9);
        call.Outcome = "completed";
    }

    // ---- sampling ------------------------------------------------------------------------------------------------

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private (int Generation, double Time, double Cpu)? _lastCpu;

    private async Task SampleLoop(CancellationToken stop)
    {
        while (true)
        {
            var server = _server!;
            try
            {
                var (rss, handles, threads) = server.Resources();
                var metrics = await Metrics(server);
                double cpu = metrics.GetValueOrDefault("dotnet_process_cpu_time_seconds_total"), now = Now;
                double cpuPercent = _lastCpu is { } last && last.Generation == _generation && now > last.Time ? 100 * (cpu - last.Cpu) / (now - last.Time) : 0;
                _lastCpu = (_generation, now, cpu);
                lock (_samples)
                    _samples.Add(new Sample(Math.Round(now, 1), _generation, Math.Round(rss / 1048576.0, 1), handles, threads,
                        Math.Round(metrics.GetValueOrDefault("dotnet_gc_last_collection_heap_size_bytes") / 1048576.0, 1),
                        (int)metrics.GetValueOrDefault("voiceemotion_sessions_active"), (long)metrics.GetValueOrDefault("voiceemotion_calllog_pending"), Math.Round(cpuPercent)));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or UnauthorizedAccessException or FormatException) { /* restarting */ }
            if (stop.IsCancellationRequested) return;
            try { await Task.Delay(2000, stop); } catch (OperationCanceledException) { }
        }
    }

    private async Task<Dictionary<string, double>> Metrics(HubProcess server)
    {
        var text = await _http.GetStringAsync(new Uri(server.Address, "/metrics"));
        var sums = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int brace = line.IndexOf('{'), space = line.LastIndexOf(' ');
            if (space < 0) continue;
            string name = line[..(brace >= 0 && brace < space ? brace : line.IndexOf(' '))];
            if (!double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) continue;
            if (name == "voiceemotion_errors_total") name += ":" + Label(line, "kind");
            sums[name] = sums.GetValueOrDefault(name) + v;
        }
        return sums;
    }

    private static string Label(string line, string label)
    {
        int at = line.IndexOf(label + "=\"", StringComparison.Ordinal);
        if (at < 0) return "";
        at += label.Length + 2;
        return line[at..line.IndexOf('"', at)];
    }

    /// <summary>"HTTP-status overall-status", e.g. "200 Degraded".</summary>
    private async Task<string> ReadyStatus()
    {
        try
        {
            var response = await _http.GetAsync(new Uri(_server!.Address, "/healthz/ready"));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return $"{(int)response.StatusCode} {body.RootElement.GetProperty("status").GetString()}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException) { return "unreachable"; }
    }

    private async Task<(int Sessions, long LogPending)> WaitIdle()
    {
        var deadline = Now + 60;
        (int, long) last = (-1, -1);
        while (Now < deadline)
        {
            try
            {
                var m = await Metrics(_server!);
                last = ((int)m.GetValueOrDefault("voiceemotion_sessions_active"), (long)m.GetValueOrDefault("voiceemotion_calllog_pending"));
                if (last is (0, 0)) break;
            }
            catch (HttpRequestException) { }
            await Task.Delay(500);
        }
        await Task.Delay(2500); // one more sample at rest
        return last;
    }

    private ServerFinal Final(HubProcess server)
    {
        var m = Metrics(server).GetAwaiter().GetResult();
        var (rss, handles, threads) = server.Resources();
        return new ServerFinal(_generation, rss / 1048576.0, handles, threads, (int)m.GetValueOrDefault("voiceemotion_sessions_active"),
            m.Where(kv => kv.Key.StartsWith("voiceemotion_errors_total:", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["voiceemotion_errors_total:".Length..], kv => kv.Value));
    }

    // ---- verification --------------------------------------------------------------------------------------------

    private async Task<SoakReport> VerifyAsync(string connectionString, (int Sessions, long LogPending) idle, ServerFinal final, int relayed)
    {
        var logged = new Dictionary<string, (string Source, bool Ended, int? Updates, long Rows, string? CallId)>();
        await using (var db = new NpgsqlConnection(connectionString))
        {
            await db.OpenAsync();
            await using var c = new NpgsqlCommand("""
                SELECT s.id, s.source, s.ended_at IS NOT NULL, s.updates, (SELECT COUNT(*) FROM updates u WHERE u.session_id = s.id), s.call_id
                FROM sessions s
                """, db);
            await using var r = await c.ExecuteReaderAsync();
            while (await r.ReadAsync())
                logged[r.GetString(0)] = (r.GetString(1), r.GetBoolean(2), r.IsDBNull(3) ? null : r.GetInt32(3), r.GetInt64(4), r.IsDBNull(5) ? null : r.GetString(5));
        }
        var calls = _calls.ToList();
        bool InRestart(CallRecord c) => _restartWindows.Any(w => c.StartedAt <= w.To && c.EndedAt >= w.From);
        var problems = new List<string>();
        void Problem(string p) { if (problems.Count < 40) problems.Add(p); }

        // 1. Every session in the log ended, and holds every update its pipeline computed.
        int notEnded = 0, short_ = 0;
        foreach (var (id, s) in logged)
        {
            if (!s.Ended) { notEnded++; Problem($"session {id} ({s.Source}) has no end in the log"); }
            else if (s.Updates != s.Rows) { short_++; Problem($"session {id} ({s.Source}): summary counts {s.Updates} updates, the log holds {s.Rows}"); }
        }
        // 2. Every session a client saw is in the log with at least what the client received; whole calls match exactly.
        int missing = 0, mismatched = 0;
        var twilioByCall = logged.Values.Where(s => s.CallId is not null).ToDictionary(s => s.CallId!, s => s);
        foreach (var call in calls)
        {
            if (call.Kind == "twilio")
            {
                if (call.Outcome != "completed") continue;
                if (!twilioByCall.TryGetValue(call.CallId!, out var t)) { missing++; Problem($"Twilio call {call.CallId} is not in the log"); }
                else if (t.Rows != call.ExpectedUpdates) { mismatched++; Problem($"Twilio call {call.CallId}: {call.ExpectedUpdates} updates expected, {t.Rows} logged"); }
                continue;
            }
            if (call.SessionId is null) continue;
            if (!logged.TryGetValue(call.SessionId, out var s)) { missing++; Problem($"{call.Kind} session {call.SessionId} is not in the log"); continue; }
            if (call.Received > s.Rows) { mismatched++; Problem($"{call.Kind} session {call.SessionId}: client received {call.Received} updates, log holds {s.Rows}"); }
            if (call.Outcome == "completed" && !(call.Received == call.SummaryUpdates && call.SummaryUpdates == s.Rows && s.Rows == call.ExpectedUpdates))
            {
                mismatched++;
                Problem($"normal session {call.SessionId}: expected {call.ExpectedUpdates}, received {call.Received}, summary {call.SummaryUpdates}, logged {s.Rows}");
            }
        }
        // 3. Calls fail only while the server restarts.
        var failures = calls.Where(c => c.Outcome == "failed").ToList();
        var unexpected = failures.Where(c => !InRestart(c)).ToList();
        foreach (var f in unexpected.Take(10)) Problem($"{f.Kind} call at {f.StartedAt:F1}–{f.EndedAt:F1} s failed outside the restart: {f.Error}");

        // 4. Resources: back to the start-up baseline when idle; memory at the end of the run within reach of the
        // steady state before the faults.
        List<Sample> samples;
        lock (_samples) samples = [.. _samples];
        var gen2 = samples.Where(s => s.Generation == _generation).ToList();
        var endIdle = gen2.Last();
        var steady = samples.Where(s => s.Generation == 1 && s.Time > 0.1 * options.DurationSeconds && s.Time < 0.2 * options.DurationSeconds).ToList();
        double steadyRss = steady.Count > 0 ? steady.Average(s => s.RssMiB) : samples.First().RssMiB;
        var loaded2 = gen2.Where(s => s.Sessions > 0).ToList();
        var beforeRestart = samples.LastOrDefault(s => s.Generation == 1 && s.Sessions > 0);
        double peakRss = samples.Max(s => s.RssMiB);
        var loaded = samples.Where(s => s.Sessions > 0 && s.CpuPercent > 0).ToList();
        // Handles: sockets, pipes and event handles at rest must be back where they were at start-up (files mapped by
        // assemblies loaded later in the run are not leaks); the database pool may keep a few connections open.
        int Live(Dictionary<string, int> kinds) => kinds.Where(k => k.Key is "socket" or "pipe" || k.Key.StartsWith("anon_inode", StringComparison.Ordinal)).Sum(k => k.Value);
        if (Live(_handlesAtEnd) > Live(_handlesAtStart) + 10) Problem($"sockets/pipes/event handles at rest {Live(_handlesAtEnd)} vs {Live(_handlesAtStart)} at start-up");
        if (loaded2.Count > 0 && loaded2.Last().RssMiB > 1.5 * steadyRss + 50) Problem($"memory under load at the end {loaded2.Last().RssMiB:F0} MiB vs {steadyRss:F0} MiB steady before the faults");
        if (idle.Sessions != 0 || idle.LogPending != 0) Problem($"not idle after the load: {idle.Sessions} sessions, {idle.LogPending} log entries pending");
        if (final.Errors.GetValueOrDefault("internal") > 0) Problem($"{final.Errors["internal"]} internal errors on the server");

        var normal = calls.Where(c => c.Outcome == "completed" && c.Kind == "normal").ToList();
        double Percentile(IEnumerable<double> values, double p)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        }
        IEnumerable<double> Lateness(Func<CallRecord, bool> when) => normal.Where(when).SelectMany(c => c.LatenessMs ?? []);
        var outage = _outageWindow;
        var latency = new Dictionary<string, double>
        {
            ["p50"] = Math.Round(Percentile(Lateness(_ => true), 0.50), 1),
            ["p99"] = Math.Round(Percentile(Lateness(_ => true), 0.99), 1),
            ["max"] = Math.Round(Percentile(Lateness(_ => true), 1.0), 1),
            ["p99DuringOutage"] = outage is null ? 0 : Math.Round(Percentile(Lateness(c => c.StartedAt >= outage.Value.From && c.EndedAt <= outage.Value.To), 0.99), 1),
        };
        var report = new SoakReport(
            options.DurationSeconds, options.Callers, _generation,
            calls.GroupBy(c => $"{c.Kind}:{c.Outcome}").OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            logged.Count, logged.Values.Sum(s => s.Rows), Math.Round(calls.Where(c => c.Outcome == "completed").Sum(c => c.ExpectedUpdates * 0.5) / 60, 1),
            notEnded, short_, missing, mismatched, failures.Count, unexpected.Count,
            latency, _readyDuringOutage.Distinct().ToList(), relayed,
            new ResourceFigures(Math.Round(_startResources.RssBytes / 1048576.0, 1), Math.Round(steadyRss, 1), Math.Round(beforeRestart?.RssMiB ?? 0, 1),
                Math.Round(peakRss, 1), Math.Round(loaded2.LastOrDefault()?.RssMiB ?? 0, 1), Math.Round(endIdle.RssMiB, 1),
                Math.Round(steady.Count > 0 ? steady.Average(s => s.GcHeapMiB) : 0, 1), Math.Round(loaded2.LastOrDefault()?.GcHeapMiB ?? 0, 1),
                _startResources.Handles, steady.Count > 0 ? (int)steady.Average(s => s.Handles) : 0, loaded2.LastOrDefault()?.Handles ?? 0, endIdle.Handles,
                _startResources.Threads, endIdle.Threads, samples.Max(s => s.LogPending),
                loaded.Count > 0 ? Math.Round(loaded.Average(s => s.CpuPercent)) : 0),
            final.Errors, calls.Where(c => c.Error is not null).GroupBy(f => $"{f.Kind}:{f.Outcome}: {Clip(f.Error)}").OrderByDescending(g => g.Count()).Take(20).ToDictionary(g => g.Key, g => g.Count()),
            _handlesAtStart, _handlesAtEnd, problems.Count == 0, problems, [.. _events], samples);
        return report;
    }

    private static string Clip(string? s) => s is null ? "" : s.Length <= 120 ? s : s[..120];

    private sealed class CallRecord
    {
        public string Kind = "";
        public string Outcome = "";
        public string? SessionId, CallId, Error;
        public int Seed, Received, ExpectedUpdates;
        public int? SummaryUpdates;
        public double StartedAt, EndedAt;
        public List<double>? LatenessMs;
    }

    private sealed record ServerFinal(int Generation, double RssMiB, int Handles, int Threads, int Sessions, Dictionary<string, double> Errors);
}

public sealed record Sample(
    [property: JsonPropertyName("t")] double Time, [property: JsonPropertyName("server")] int Generation,
    [property: JsonPropertyName("rssMiB")] double RssMiB, [property: JsonPropertyName("handles")] int Handles,
    [property: JsonPropertyName("threads")] int Threads, [property: JsonPropertyName("gcHeapMiB")] double GcHeapMiB,
    [property: JsonPropertyName("sessions")] int Sessions, [property: JsonPropertyName("logPending")] long LogPending,
    [property: JsonPropertyName("cpuPercent")] double CpuPercent);

/// <summary>Memory (MiB), handles and threads: "start" is the last server right after it started (idle), "steady" the
/// first server under load before any fault, "end loaded" the last sample under load, "end idle" after the load.</summary>
public sealed record ResourceFigures(
    [property: JsonPropertyName("rssStartMiB")] double RssStart, [property: JsonPropertyName("rssSteadyMiB")] double RssSteady,
    [property: JsonPropertyName("rssBeforeRestartMiB")] double RssBeforeRestart,
    [property: JsonPropertyName("rssPeakMiB")] double RssPeak, [property: JsonPropertyName("rssEndLoadedMiB")] double RssEndLoaded,
    [property: JsonPropertyName("rssEndIdleMiB")] double RssEndIdle, [property: JsonPropertyName("gcHeapSteadyMiB")] double GcHeapSteady,
    [property: JsonPropertyName("gcHeapEndLoadedMiB")] double GcHeapEndLoaded, [property: JsonPropertyName("handlesStart")] int HandlesStart,
    [property: JsonPropertyName("handlesSteady")] int HandlesSteady, [property: JsonPropertyName("handlesEndLoaded")] int HandlesEndLoaded,
    [property: JsonPropertyName("handlesEndIdle")] int HandlesEndIdle,
    [property: JsonPropertyName("threadsStart")] int ThreadsStart, [property: JsonPropertyName("threadsEndIdle")] int ThreadsEndIdle,
    [property: JsonPropertyName("logPendingPeak")] long LogPendingPeak, [property: JsonPropertyName("serverCpuPercentUnderLoad")] double ServerCpuPercent);

public sealed record SoakReport(
    [property: JsonPropertyName("durationSeconds")] double DurationSeconds,
    [property: JsonPropertyName("callers")] int Callers,
    [property: JsonPropertyName("serverGenerations")] int ServerGenerations,
    [property: JsonPropertyName("calls")] Dictionary<string, int> Calls,
    [property: JsonPropertyName("sessionsLogged")] int SessionsLogged,
    [property: JsonPropertyName("updatesLogged")] long UpdatesLogged,
    [property: JsonPropertyName("audioMinutesCompleted")] double AudioMinutesCompleted,
    [property: JsonPropertyName("sessionsNotEnded")] int SessionsNotEnded,
    [property: JsonPropertyName("sessionsShortOfUpdates")] int SessionsShortOfUpdates,
    [property: JsonPropertyName("clientSessionsMissing")] int ClientSessionsMissing,
    [property: JsonPropertyName("clientSessionsMismatched")] int ClientSessionsMismatched,
    [property: JsonPropertyName("callsFailed")] int CallsFailed,
    [property: JsonPropertyName("callsFailedOutsideRestart")] int CallsFailedOutsideRestart,
    [property: JsonPropertyName("updateLatenessMs")] Dictionary<string, double> UpdateLatenessMs,
    [property: JsonPropertyName("readyStatusDuringOutage")] List<string> ReadyStatusDuringOutage,
    [property: JsonPropertyName("databaseConnectionsRelayed")] int DatabaseConnectionsRelayed,
    [property: JsonPropertyName("resources")] ResourceFigures Resources,
    [property: JsonPropertyName("serverErrorsByKind")] Dictionary<string, double> ServerErrors,
    [property: JsonPropertyName("failureSamples")] Dictionary<string, int> FailureSamples,
    [property: JsonPropertyName("handlesByKindAtStart")] Dictionary<string, int> HandlesAtStart,
    [property: JsonPropertyName("handlesByKindAtEnd")] Dictionary<string, int> HandlesAtEnd,
    [property: JsonPropertyName("passed")] bool Passed,
    [property: JsonPropertyName("problems")] List<string> Problems,
    [property: JsonPropertyName("events")] List<string> Events,
    [property: JsonPropertyName("samples")] List<Sample> Samples);

using System.Globalization;

namespace VoiceEmotion.Replay;

/// <summary>Command line of the replay client.</summary>
public sealed record ReplayOptions
{
    public List<string> Inputs { get; } = [];
    public Uri Hub { get; init; } = new("http://127.0.0.1:5000/hubs/emotion");
    /// <summary>Playback speed: 1 = real time, N = N times faster, 0 = as fast as possible ("max").</summary>
    public double Speed { get; init; } = 1;
    public string Protocol { get; init; } = "messagepack";
    public int ChunkMs { get; init; } = 100;
    public int Concurrency { get; init; }
    public double DurationSeconds { get; init; } = 60;
    public int StreamsPerConnection { get; init; } = 10;
    public string? ReportPath { get; init; }
    public int? ServerPid { get; init; }
    /// <summary>Ask for compact updates (docs/PROTOCOL.md): less for the hub to write and for this client to read. On by
    /// default in load mode (the load client shares the machine); <c>--maps</c> turns it off.</summary>
    public bool? Compact { get; init; }
    public bool CompactUpdates => Compact ?? LoadMode;
    /// <summary>Load mode paces every stream on one shared clock (default); <c>--per-stream-pacing</c> gives each stream
    /// the client library's own timer pacing instead (to compare).</summary>
    public bool SharedPacing { get; init; } = true;
    /// <summary>Load mode: each stream is one call for the whole run, playing the recordings back to back with
    /// <see cref="CallAudio.GapSeconds"/> of silence between them (default), as real calls last minutes; with
    /// <c>--session-per-recording</c> each recording is a session of its own instead (the old behaviour: a session start,
    /// summary and log row every few seconds per stream).</summary>
    public bool SessionPerRecording { get; init; }
    /// <summary>Load mode: a connection's calls go out as one bundle (StreamAudioBundle: one message a chunk period for
    /// all of them) instead of one audio stream each. Calls only, and they start together.</summary>
    public bool Bundle { get; init; }
    /// <summary>Load mode: ask for batched updates (StartSession <c>batch</c>: a connection's sessions' compact updates
    /// several to a message).</summary>
    public bool BatchUpdates { get; init; }
    /// <summary>Seconds at the start of a load run left out of the CPU figures (JIT, connection set-up, the first
    /// sessions): they are the steady state's. Default a quarter of the run, at most 10 s.</summary>
    public double? WarmupSeconds { get; init; }
    public double CpuWarmupSeconds => WarmupSeconds ?? Math.Min(10, DurationSeconds / 4);
    /// <summary>Load mode: seconds of the same load run first in this process and discarded (<c>--warmup</c>), so the
    /// measured run does not carry this client's own start — its JIT compiling the send and receive paths while 2,000
    /// calls are already due. The measured run still starts every call afresh on the hub. Default 0.</summary>
    public int ClientWarmupSeconds { get; init; }
    /// <summary>Load mode: each connection (bundle) or stream starts after a delay drawn uniformly from
    /// [0, <see cref="StartSpread"/>) ms (<c>--start-spread-ms</c>). The hub pushes a session's updates every
    /// <see cref="UpdatePeriodMs"/> of its own audio, counted from its start, so the spread sets how its updates fall in
    /// time: over the whole update period (the default) they come at any phase, as calls that began at unrelated moments
    /// do; spread over less, they come in bursts (before stop 47 the spread was one chunk period: with 250 ms chunks the
    /// windows of all calls fell due in one half of every half second). 0: every call at once, in step.</summary>
    public int? StartSpreadMs { get; init; }
    public int StartSpread => StartSpreadMs ?? Math.Max(ChunkMs, UpdatePeriodMs);
    /// <summary>How often the hub pushes an update, in ms of a session's audio (docs/PROTOCOL.md).</summary>
    public const int UpdatePeriodMs = 1000 * VoiceEmotion.Pipeline.Features.FeatureSchema.UpdateFrames / VoiceEmotion.Pipeline.Features.FeatureSchema.FramesPerSecond;
    /// <summary>API key or JWT for a server with authentication (default: $VOICEEMOTION_TOKEN).</summary>
    public string? Token { get; init; } = Environment.GetEnvironmentVariable("VOICEEMOTION_TOKEN");

    public bool LoadMode => Concurrency > 0;

    /// <summary>How the client library connects: this hub, protocol and token; a long server timeout, since a loaded
    /// machine may be slow to answer.</summary>
    public VoiceEmotion.Client.VoiceEmotionClientOptions ClientOptions => new()
    {
        ServerUrl = Hub, AccessToken = string.IsNullOrEmpty(Token) ? null : Token,
        Protocol = Protocol == "json" ? VoiceEmotion.Client.HubProtocol.Json : VoiceEmotion.Client.HubProtocol.MessagePack,
        ServerTimeout = TimeSpan.FromSeconds(60),
    };

    public const string Usage = """
        usage: replay <file-or-folder>... [--hub http://127.0.0.1:5000/hubs/emotion] [--speed 1|N|max]
                      [--protocol messagepack|json] [--chunk-ms 100] [--token KEY (or $VOICEEMOTION_TOKEN)]
               load mode: --concurrency N [--duration S] [--streams-per-connection 10] [--report out.json] [--server-pid PID]
                          [--compact|--maps (compact updates by default in load mode)] [--per-stream-pacing]
                          [--session-per-recording (each recording its own session; default: each stream is one call
                           of the recordings back to back, 0.4 s of silence between them, for the whole run)]
                          [--bundle (a connection's calls in one audio stream, StreamAudioBundle: one message a chunk
                           period for all of them, not one per call)]
                          [--batch-updates (updates of a connection's calls several to a message, EmotionUpdateBatch)]
                          [--cpu-warmup S (left out of the CPU figures; default duration/4, at most 10)]
                          [--warmup S (the same load for S s first, in this process, discarded: the measured run then
                           starts on a warm client; its calls still start afresh)]
                          [--start-spread-ms MS (each connection's or stream's start delayed by a uniform draw from
                           [0, MS); default the larger of the chunk period and the 500 ms update period, so updates fall
                           at any phase; 0 starts every call in step)]
        With --server-pid the report has the server's CPU % and memory (from /proc) beside this client's CPU %.
        Prints one JSON line per update (and per summary) on stdout; the load mode prints and writes a report instead.
        """;

    public static ReplayOptions Parse(string[] args)
    {
        var o = new ReplayOptions();
        var inputs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--hub": o = o with { Hub = new Uri(Value()) }; break;
                case "--speed":
                    var s = Value();
                    o = o with { Speed = s == "max" ? 0 : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"--speed takes 1, N > 0 or max, not '{s}'") };
                    break;
                case "--protocol":
                    var p = Value();
                    o = o with { Protocol = p is "messagepack" or "json" ? p : throw new ArgumentException($"--protocol takes messagepack or json, not '{p}'") };
                    break;
                case "--chunk-ms": o = o with { ChunkMs = PositiveInt(Value(), "--chunk-ms") }; break;
                case "--concurrency": o = o with { Concurrency = PositiveInt(Value(), "--concurrency") }; break;
                case "--duration": o = o with { DurationSeconds = PositiveInt(Value(), "--duration") }; break;
                case "--streams-per-connection": o = o with { StreamsPerConnection = PositiveInt(Value(), "--streams-per-connection") }; break;
                case "--report": o = o with { ReportPath = Value() }; break;
                case "--token": o = o with { Token = Value() }; break;
                case "--server-pid": o = o with { ServerPid = PositiveInt(Value(), "--server-pid") }; break;
                case "--compact": o = o with { Compact = true }; break;
                case "--maps": o = o with { Compact = false }; break;
                case "--per-stream-pacing": o = o with { SharedPacing = false }; break;
                case "--session-per-recording": o = o with { SessionPerRecording = true }; break;
                case "--bundle": o = o with { Bundle = true }; break;
                case "--batch-updates": o = o with { BatchUpdates = true }; break;
                case "--warmup":
                    var cw = Value();
                    o = o with { ClientWarmupSeconds = int.TryParse(cw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var cws) && cws >= 0 ? cws : throw new ArgumentException($"--warmup takes whole seconds ≥ 0, not '{cw}'") };
                    break;
                case "--start-spread-ms":
                    var sp = Value();
                    o = o with { StartSpreadMs = int.TryParse(sp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sps) && sps >= 0 ? sps : throw new ArgumentException($"--start-spread-ms takes whole milliseconds ≥ 0, not '{sp}'") };
                    break;
                case "--cpu-warmup":
                    var w = Value();
                    o = o with { WarmupSeconds = double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var ws) && ws >= 0 ? ws : throw new ArgumentException($"--cpu-warmup takes seconds ≥ 0, not '{w}'") };
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unknown option '{args[i]}'");
                    inputs.Add(args[i]);
                    break;
            }
        }
        if (inputs.Count == 0) throw new ArgumentException("no input files or folders given");
        if (o.Bundle && (o.SessionPerRecording || !o.SharedPacing || o.Concurrency == 0))
            throw new ArgumentException("--bundle is for load mode (--concurrency) with calls on the shared clock: not with --session-per-recording or --per-stream-pacing");
        o.Inputs.AddRange(inputs);
        return o;
    }

    private static int PositiveInt(string s, string name) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"{name} takes a positive integer, not '{s}'");
}

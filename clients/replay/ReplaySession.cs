using System.Diagnostics;
using VoiceEmotion.Client;

namespace VoiceEmotion.Replay;

/// <summary>
/// Streams a tape (one recording, or a call of recordings back to back: <see cref="CallTape"/>) as one hub session, paced
/// on the clock (real time × speed, or as fast as possible), and measures each update's latency: from sending the chunk
/// that completes its 0.5 s step to receiving the update. The hub protocol and the pacing are VoiceEmotion.Client's; this
/// adds the bookkeeping of what the hub owes. In load mode a shared <see cref="Pacer"/> paces every stream instead (one
/// clock, not a timer per stream).
/// </summary>
public sealed class ReplaySession(EmotionHubClient hub, ITape recording, double speed, Action<EmotionUpdate>? onUpdate = null,
    bool compact = false, Pacer? pacer = null, TimeSpan? summaryTimeout = null, bool batch = false)
{
    // An update for step T needs audio up to T plus the rest of its last 25 ms frame.
    private const double FrameTailSeconds = 0.015;

    // Send time of each chunk, by index; grows with a call (a tape without end). Guarded by _latenciesMs.
    private long[] _sentAt = new long[Math.Min(recording.Chunks, 1024)];
    private int _sent;
    // When the end of the audio was handed over (0 until then): the updates it releases count from here.
    private long _endedAt;
    // Latencies of the updates a chunk released, and of those the end of the audio released (both guarded by _latenciesMs).
    private readonly List<double> _latenciesMs = [];
    private readonly List<double> _endLatenciesMs = [];
    // When each of _latenciesMs's chunks was sent (same order): the load report's per-second timeline.
    private readonly List<long> _latencySentAt = [];

    public int Updates { get; private set; }

    /// <summary>Updates received that the hub owed (see <see cref="ExpectedUpdates"/>): all of them, since a stream
    /// always ends with its summary, which the hub sends after its last update.</summary>
    public int ReceivedOwed
    {
        get
        {
            lock (_latenciesMs) return Completed ? Updates : 0;
        }
    }
    public SessionSummary? Summary { get; private set; }
    /// <summary>The session's error, as the hub named it.</summary>
    public VoiceEmotionException? Error { get; private set; }
    public Exception? Failure { get; private set; }
    /// <summary>Every update's latency: from the chunk that completed its step, or from the end of the audio.</summary>
    public IEnumerable<double> LatenciesMs => _latenciesMs.Concat(_endLatenciesMs);
    /// <summary>The latencies of the updates a chunk released: chunk handed to the connection → update received.</summary>
    public IReadOnlyList<double> ChunkLatenciesMs => _latenciesMs;
    /// <summary>When the chunk behind each of <see cref="ChunkLatenciesMs"/> was sent (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public IReadOnlyList<long> ChunkSentAt => _latencySentAt;
    /// <summary>The latencies of the updates the end of the audio released (a stream's last step, finished with what the
    /// hub had; a long last chunk can leave several): from the end, through the stream's completion, rather than a
    /// chunk → update latency.</summary>
    public IReadOnlyList<double> EndLatenciesMs => _endLatenciesMs;
    public double SecondsStreamed => _stream?.SecondsSent ?? 0;

    private AudioFeed? _stream;

    /// <summary>The audio this session plays.</summary>
    public ITape Tape => recording;

    /// <summary>True when the stream ended with its summary: sent to its end, or stopped early by the end of a load run.</summary>
    public bool Completed { get; private set; }

    /// <summary>
    /// Updates the hub owes this session: one per whole 0.5 s step of the audio sent. A stream stopped by the end of a
    /// load run is completed, not cancelled, so the hub analyses all it was sent and owes these too, however late
    /// they come on a loaded machine.
    /// </summary>
    public int ExpectedUpdates => Completed ? (int)Math.Floor(SecondsStreamed / 0.5 + 1e-9) : 0;

    /// <summary>Streams the recording to its end, or until <paramref name="stop"/> is signalled: then it sends no more
    /// audio and completes the stream (it does not cancel it), so what was sent is analysed and summarised.</summary>
    public Task RunAsync(CancellationToken stop) => Settle(async () =>
    {
        // Not cancelled by stop: a session the hub has started is always completed, never left half open.
        await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(recording.SampleRate), Options);
        Attach(stream);
        var pacing = pacer is null ? new StreamPacing { Speed = speed } : StreamPacing.AsFastAsPossible;
        return await stream.StreamAsync(Chunks(() => stop.IsCancellationRequested), pacing).WaitAsync(SummaryTimeout);
    });

    /// <summary>How the session is started: a replay, labelled with its tape, compact updates if asked.</summary>
    public SessionOptions Options => new() { Source = "replay", Label = recording.Label, BufferUpdates = false, CompactUpdates = compact, BatchUpdates = batch };

    /// <summary>Follows a started session: its updates, and (just before each chunk is handed to the connection)
    /// its chunks, from which latency counts.</summary>
    internal void Attach(AudioFeed feed)
    {
        feed.UpdateReceived += OnUpdate;
        feed.ChunkSent += OnChunkSent;
        _stream = feed;
    }

    /// <summary>The session could not be started (a bundle's start failed).</summary>
    internal void Fail(Exception e) => Failure = e;

    /// <summary>The audio has ended here (the run stopped it): the updates it releases count from now.</summary>
    internal void AudioEnded()
    {
        lock (_latenciesMs) _endedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Waits for the summary of a session whose audio has ended (a bundle's): Completed, or its error.</summary>
    internal Task FinishAsync() => Settle(() => _stream!.Summary.WaitAsync(SummaryTimeout));

    // The stream's outcome: its summary (Completed), the error the hub named for it, or what else ended it.
    private async Task Settle(Func<Task<SessionSummary>> run)
    {
        try
        {
            Summary = await run();
            Completed = true;
        }
        catch (TimeoutException)
        {
            Failure = new TimeoutException($"no summary within {SummaryTimeout.TotalSeconds:F0} s of the start of the stream");
        }
        catch (VoiceEmotionException e) when (e.SessionId is not null && e.Code != ErrorCodes.ConnectionLost && e.Code != ErrorCodes.Cancelled)
        {
            Error = e;
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    // The stop is a signal to end the audio, not a cancellation of the enumeration.
    private async IAsyncEnumerable<byte[]> Chunks(Func<bool> stopped)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < recording.Chunks; i++)
        {
            if (pacer is not null && speed > 0 && i > 0)
                await pacer.Until(start + (long)(recording.SecondsAfter(i - 1) / speed * System.Diagnostics.Stopwatch.Frequency));
            if (stopped()) break;
            yield return recording.Chunk(i);
        }
        AudioEnded();
    }

    // A call plays until stopped: its load run gives the time it may take.
    private TimeSpan SummaryTimeout => summaryTimeout ?? (recording.Chunks == int.MaxValue ? Timeout.InfiniteTimeSpan
        : TimeSpan.FromSeconds(30 + recording.SecondsAfter(recording.Chunks - 1) / Math.Max(speed, 1)));

    private void OnChunkSent(ChunkSent c)
    {
        lock (_latenciesMs)
        {
            if (c.Index >= _sentAt.Length) Array.Resize(ref _sentAt, Math.Max(c.Index + 1, _sentAt.Length * 2));
            _sentAt[c.Index] = c.Timestamp;
            _sent = Math.Max(_sent, c.Index + 1);
        }
    }

    private void OnUpdate(EmotionUpdate update)
    {
        long now = Stopwatch.GetTimestamp();
        int chunk = ChunkCompleting(update.AudioTime + FrameTailSeconds);
        lock (_latenciesMs)
        {
            Updates++;
            // An update whose audio runs past the last chunk sent was released by the end of the audio (the hub
            // finishes the last step with what it has): it counts from that end, not from the last chunk, which was
            // sent a whole chunk earlier (a load run's stop is noticed at the next pacing tick) — counting from there
            // put one chunk's duration on every stream's last update, ~1.7 % of a 30 s run: the p99.
            if (chunk >= _sent && _endedAt != 0) _endLatenciesMs.Add(Stopwatch.GetElapsedTime(_endedAt, now).TotalMilliseconds);
            else
            {
                chunk = Math.Min(chunk, _sent - 1);
                if (chunk >= 0 && _sentAt[chunk] != 0)
                {
                    _latenciesMs.Add(Stopwatch.GetElapsedTime(_sentAt[chunk], now).TotalMilliseconds);
                    _latencySentAt.Add(_sentAt[chunk]);
                }
            }
        }
        onUpdate?.Invoke(update);
    }

    // Chunks are whole but for a recording's last one, and the steps of its audio end before that one's end.
    private int ChunkCompleting(double seconds) =>
        Math.Max(0, (int)Math.Ceiling(seconds * recording.SampleRate * 2 / recording.ChunkBytes) - 1);
}

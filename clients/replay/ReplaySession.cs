using System.Diagnostics;
using System.Runtime.CompilerServices;
using VoiceEmotion.Client;

namespace VoiceEmotion.Replay;

/// <summary>
/// Streams one recording as one hub session, paced on the clock (real time × speed, or as fast as possible), and
/// measures each update's latency: from sending the chunk that completes its 0.5 s step to receiving the update.
/// The hub protocol and the pacing are VoiceEmotion.Client's; this adds the bookkeeping of what the hub owes.
/// </summary>
public sealed class ReplaySession(EmotionHubClient hub, Recording recording, double speed, Action<EmotionUpdate>? onUpdate = null)
{
    // An update for step T needs audio up to T plus the rest of its last 25 ms frame.
    private const double FrameTailSeconds = 0.015;

    private readonly long[] _sentAt = new long[recording.Chunks];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<double> _latenciesMs = [];

    public int Updates { get; private set; }

    private readonly List<double> _updateTimes = [];

    /// <summary>
    /// Updates received that the hub owed (see <see cref="ExpectedUpdates"/>): all of them for a completed stream; for a
    /// stream cut by the end of a load run, those up to its last whole step (a later one may or may not still come).
    /// </summary>
    public int ReceivedOwed
    {
        get
        {
            lock (_latenciesMs) return Completed ? Updates : _updateTimes.Count(t => t <= ExpectedUpdates * 0.5 + 1e-6);
        }
    }
    public SessionSummary? Summary { get; private set; }
    /// <summary>The session's error, as the hub named it.</summary>
    public VoiceEmotionException? Error { get; private set; }
    public Exception? Failure { get; private set; }
    public IReadOnlyList<double> LatenciesMs => _latenciesMs;
    public double SecondsStreamed => _stream?.SecondsSent ?? 0;

    private EmotionStream? _stream;

    /// <summary>True when the stream was sent to its end (not cut by the end of a load run).</summary>
    public bool Completed { get; private set; }

    private long _cutAt;

    /// <summary>
    /// Updates the hub owes this session: one per whole 0.5 s step of a completed stream. A stream cut by the end of a
    /// load run is cancelled at once (the hub drops its queued audio), so it is owed only the steps whose completing
    /// chunk had been sent at least a second before the cut.
    /// </summary>
    public int ExpectedUpdates
    {
        get
        {
            if (Completed) return (int)Math.Floor(SecondsStreamed / 0.5 + 1e-9);
            if (_cutAt == 0) return 0;
            long settled = _cutAt - System.Diagnostics.Stopwatch.Frequency;
            int steps = 0;
            for (int k = 1; ; k++)
            {
                int chunk = ChunkCompleting(k * 0.5 + FrameTailSeconds);
                if (k * 0.5 + FrameTailSeconds > recording.Seconds || _sentAt[chunk] == 0 || _sentAt[chunk] > settled) break;
                steps = k;
            }
            return steps;
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await hub.StartSessionAsync(AudioFormat.Pcm16(recording.SampleRate),
                new SessionOptions { Source = "replay", Label = Path.GetFileName(recording.Path), BufferUpdates = false }, cancellationToken);
            stream.UpdateReceived += OnUpdate;
            _stream = stream;
            // Just before the chunk is handed to the connection: latency counts from here.
            stream.ChunkSent += c => _sentAt[c.Index] = c.Timestamp;
            var pacing = new StreamPacing { Speed = speed };
            try
            {
                Summary = await stream.StreamAsync(Chunks(cancellationToken), pacing, cancellationToken).WaitAsync(TimeSpan.FromSeconds(30 + recording.Seconds / Math.Max(speed, 1)), cancellationToken);
            }
            catch (TimeoutException)
            {
                Failure = new TimeoutException("no summary within 30 s of the end of the stream");
            }
            Completed = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _cutAt = Stopwatch.GetTimestamp();
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

    private async IAsyncEnumerable<byte[]> Chunks([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < recording.Chunks; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return recording.Chunk(i);
        }
        await Task.CompletedTask;
    }

    private void OnUpdate(EmotionUpdate update)
    {
        long now = Stopwatch.GetTimestamp();
        int chunk = ChunkCompleting(update.AudioTime + FrameTailSeconds);
        lock (_latenciesMs)
        {
            Updates++;
            _updateTimes.Add(update.AudioTime);
            if (chunk >= 0 && _sentAt[chunk] != 0) _latenciesMs.Add(Stopwatch.GetElapsedTime(_sentAt[chunk], now).TotalMilliseconds);
        }
        onUpdate?.Invoke(update);
    }

    private int ChunkCompleting(double seconds)
    {
        int index = (int)Math.Ceiling(seconds * recording.SampleRate * 2 / recording.ChunkBytes) - 1;
        return Math.Clamp(index, 0, _sentAt.Length - 1);
    }
}

using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace VoiceEmotion.Replay;

/// <summary>
/// Streams one recording as one hub session, paced on the clock (real time × speed, or as fast as possible), and
/// measures each update's latency: from sending the chunk that completes its 0.5 s step to receiving the update.
/// </summary>
public sealed class ReplaySession(SessionRouter router, Recording recording, double speed, Action<EmotionUpdate>? onUpdate = null) : ISessionListener
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
    public SessionError? Error { get; private set; }
    public Exception? Failure { get; private set; }
    public IReadOnlyList<double> LatenciesMs => _latenciesMs;
    public double SecondsStreamed { get; private set; }

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
            var started = await router.Connection.InvokeAsync<SessionStarted>("StartSession",
                new StartSessionRequest { SampleRate = recording.SampleRate, Label = Path.GetFileName(recording.Path) }, cancellationToken);
            router.Register(started.SessionId, this);
            var channel = Channel.CreateBounded<byte[]>(4);
            var streaming = router.Connection.InvokeAsync("StreamAudio", started.SessionId, channel.Reader, cancellationToken);
            var clock = Stopwatch.StartNew();
            double chunkSeconds = recording.ChunkBytes / 2.0 / recording.SampleRate;
            try
            {
                for (int i = 0; i < recording.Chunks; i++)
                {
                    if (speed > 0)
                    {
                        var due = TimeSpan.FromSeconds(i * chunkSeconds / speed) - clock.Elapsed;
                        if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken);
                    }
                    _sentAt[i] = Stopwatch.GetTimestamp();
                    await channel.Writer.WriteAsync(recording.Chunk(i), cancellationToken);
                    SecondsStreamed = recording.SecondsAfter(i);
                }
            }
            finally
            {
                channel.Writer.TryComplete();
            }
            await streaming;
            Completed = true;
            await Task.WhenAny(_done.Task, Task.Delay(TimeSpan.FromSeconds(30), cancellationToken));
            if (!_done.Task.IsCompleted) Failure = new TimeoutException("no summary within 30 s of the end of the stream");
            router.Unregister(started.SessionId);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _cutAt = Stopwatch.GetTimestamp();
        }
        catch (Exception e)
        {
            Failure = e;
        }
    }

    public void OnUpdate(EmotionUpdate update)
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

    public void OnSummary(SessionSummary summary)
    {
        Summary = summary;
        _done.TrySetResult();
    }

    public void OnError(SessionError error)
    {
        Error = error;
        _done.TrySetResult();
    }

    private int ChunkCompleting(double seconds)
    {
        int index = (int)Math.Ceiling(seconds * recording.SampleRate * 2 / recording.ChunkBytes) - 1;
        return Math.Clamp(index, 0, _sentAt.Length - 1);
    }
}

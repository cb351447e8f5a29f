using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// One live session's <see cref="StreamAnalyzer"/> on bounded channels with batched inference: audio chunks in →
/// (decode, features, windows on the audio clock, <see cref="InferenceBatcher"/>) → <see cref="EmotionUpdate"/>s out,
/// in order. A full output channel (a reader that does not keep up) makes this session wait, which fills its input
/// channel and slows its writer: the slowness stays with this session.
/// <para>
/// A chunk that finds the session idle (nothing queued, nothing being processed) is processed inline, on the writer's
/// thread and straight from the writer's memory: no pooled copy, no channel hop, no task switch. Only when that has to
/// wait (a speech window for the model, a full output) does the rest continue on a drain task, which then owns the
/// session: chunks written meanwhile are copied into the bounded input channel, and the drain works through them in
/// order before the session goes idle again. One owner at a time (<see cref="_busy"/>) keeps the analyzer single-threaded.
/// </para>
/// </summary>
public sealed class SessionPipeline : IAsyncDisposable
{
    private readonly StreamAnalyzer _analyzer;
    private readonly InferenceBatcher _batcher;
    private readonly Channel<Chunk> _input;
    private readonly Channel<EmotionUpdate> _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<WindowInput> _ready = [];
    private readonly float[] _probabilities = new float[Inference.EmotionLabels.Count];
    private readonly double _secondsPerByte;
    private readonly ChunkPool _chunks;
    // 1 while someone (an inline write or the drain task) owns the analyzer; stays 1 once the session has ended.
    private int _busy;
    // When each of the last updates was ready, by Seq (a power of two, twice what the output channel holds and more, so
    // an update still being forwarded has its entry: ReadyTimestamp).
    private readonly long[] _readyAt;
    private volatile bool _closed;
    private long _inline, _queued;

    public SessionPipeline(string id, AudioFormat format, InferenceBatcher batcher, SessionOptions? options = null,
        int inputCapacity = 32, int outputCapacity = 64, ChunkPool? chunks = null)
    {
        options ??= SessionOptions.Default;
        if (batcher.WindowFrames > 0) options = options with { WindowFrames = batcher.WindowFrames };
        _analyzer = new StreamAnalyzer(id, format.Validate(), options);
        _batcher = batcher;
        // Read by one owner at a time, but not always from the same thread.
        _input = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(inputCapacity) { SingleReader = false, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        _readyAt = new long[System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(outputCapacity + 2) * 2)];
        _output = Channel.CreateBounded<EmotionUpdate>(new BoundedChannelOptions(outputCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        Format = format;
        _secondsPerByte = 1.0 / format.BytesPerFrame / format.SampleRate;
        _chunks = chunks ?? ChunkPool.Shared;
    }

    public string Id => _analyzer.Id;

    public AudioFormat Format { get; }

    /// <summary>Updates in order; completes after the last one (with the error that ended the session, if any).</summary>
    public ChannelReader<EmotionUpdate> Updates => _output.Reader;

    /// <summary>Completes when processing ends; faults with <see cref="AudioFormatException"/> on bad audio.</summary>
    public Task Completion => _done.Task;

    /// <summary>Chunks waiting in the input channel.</summary>
    public int InputDepth => _input.Reader.Count;

    /// <summary>Chunks processed inline on the writer's thread (the session was idle) and chunks that were queued.</summary>
    public (long Inline, long Queued) ChunkPaths => (Interlocked.Read(ref _inline), Interlocked.Read(ref _queued));

    /// <summary>When update <paramref name="seq"/> was ready (<see cref="Stopwatch.GetTimestamp"/>), for measuring its
    /// way out (the hub's <c>voiceemotion.update.send_latency</c>). Valid while fewer than twice the output channel's
    /// capacity of later updates have been made: always, for an update its reader has just taken.</summary>
    public long ReadyTimestamp(int seq) => Volatile.Read(ref _readyAt[seq & (_readyAt.Length - 1)]);

    /// <summary>Nothing queued and nobody processing (false once the session has ended).</summary>
    internal bool IsIdle => Volatile.Read(ref _busy) == 0 && _input.Reader.Count == 0;

    /// <summary>Seconds of audio analysed so far.</summary>
    public double AudioSeconds => _analyzer.AudioSeconds;

    /// <summary>
    /// Takes a chunk: processes it inline when the session is idle, else queues a copy in a pooled buffer (waiting
    /// while the input channel is full). Returns false when the session no longer takes audio (it was completed, or it
    /// ended or failed: see <see cref="Completion"/>).
    /// </summary>
    public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default) =>
        WriteAsync(chunk, owned: null, cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, for a chunk the caller hands over: the pipeline
    /// keeps <paramref name="chunk"/> itself if it has to queue it (no pooled copy) and gives it to the session's
    /// <see cref="ChunkPool"/> once it is analysed (or refused), so the caller must not touch it again. For the hub's
    /// chunks, which the protocol rents from that pool: under load most chunks queue behind the model, and a copy was a
    /// rented 4 KiB buffer per chunk that the shared pool, with thousands of sessions' chunks out at once, mostly had to
    /// allocate — more garbage than the chunk itself, living as long as the queue.
    /// </summary>
    public ValueTask<bool> WriteOwnedAsync(byte[] chunk, CancellationToken cancellationToken = default) =>
        WriteAsync(chunk, owned: chunk, cancellationToken);

    private async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> chunk, byte[]? owned, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            if (owned is not null) _chunks.Return(owned);
            return false;
        }
        long queuedAt = Stopwatch.GetTimestamp();
        if (TryClaim())
        {
            if (_input.Reader.Count == 0)
            {
                Interlocked.Increment(ref _inline);
                ValueTask pending;
                try
                {
                    // The audio is consumed before this returns; what may still be pending is the model and the output.
                    pending = ProcessAsync(chunk.Span, queuedAt);
                }
                catch (Exception e)
                {
                    pending = ValueTask.FromException(e);
                }
                if (owned is not null) _chunks.Return(owned);
                if (pending.IsCompletedSuccessfully) ReleaseOrDrain();
                else _ = DrainAsync(pending);
                return true;
            }
            // Chunks queued before this one (a moment ago, by this writer): they go first.
            _ = DrainAsync(default);
        }

        var queued = owned is null ? new Chunk(ArrayPool<byte>.Shared.Rent(chunk.Length), chunk.Length, queuedAt, null)
            : new Chunk(owned, owned.Length, queuedAt, _chunks);
        if (owned is null) chunk.Span.CopyTo(queued.Buffer);
        try
        {
            await _input.Writer.WriteAsync(queued, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            queued.Release();
            return false;
        }
        catch
        {
            queued.Release();
            throw;
        }
        Interlocked.Increment(ref _queued);
        // The drain may have gone idle just before this chunk arrived: then it is ours to start.
        if (TryClaim()) _ = DrainAsync(default);
        return true;
    }

    /// <summary>No more audio: the remaining windows are processed, then the update stream completes.</summary>
    public void Complete()
    {
        _closed = true;
        _input.Writer.TryComplete();
        if (TryClaim()) _ = DrainAsync(default);
    }

    /// <summary>The session so far (call after <see cref="Completion"/> for the final one).</summary>
    public SessionSummary Summarize() => _analyzer.Summarize();

    /// <summary>Stops at once (disconnect): queued audio is dropped, the update stream completes.</summary>
    public void Abort()
    {
        _closed = true;
        _input.Writer.TryComplete();
        _stop.Cancel();
        if (TryClaim()) _ = DrainAsync(default);
    }

    private bool TryClaim() => Interlocked.CompareExchange(ref _busy, 1, 0) == 0;

    /// <summary>After an inline chunk: go idle, unless something arrived or ended meanwhile that needs the owner.</summary>
    private void ReleaseOrDrain()
    {
        if (_input.Reader.Count > 0 || _input.Reader.Completion.IsCompleted || _stop.IsCancellationRequested)
        {
            _ = DrainAsync(default);
            return;
        }
        Interlocked.Exchange(ref _busy, 0); // a full fence: the checks below must not be read before the release is seen
        if (NeedsOwner() && TryClaim()) _ = DrainAsync(default);
    }

    private bool NeedsOwner() => _input.Reader.Count > 0 || _input.Reader.Completion.IsCompleted || _stop.IsCancellationRequested;

    /// <summary>Owns the session (the caller has claimed it): finishes <paramref name="pending"/>, then the queued chunks, then goes idle or ends it.</summary>
    private async Task DrainAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
            while (true)
            {
                while (_input.Reader.TryRead(out var chunk))
                {
                    _stop.Token.ThrowIfCancellationRequested();
                    ValueTask emit;
                    try
                    {
                        emit = ProcessAsync(chunk.Buffer.AsSpan(0, chunk.Length), chunk.QueuedAt);
                    }
                    finally
                    {
                        chunk.Release();
                    }
                    await emit.ConfigureAwait(false);
                }
                _stop.Token.ThrowIfCancellationRequested();
                if (_input.Reader.Completion.IsCompleted)
                {
                    _analyzer.Finish(_ready);
                    await EmitAsync(Stopwatch.GetTimestamp()).ConfigureAwait(false);
                    End(null);
                    return;
                }
                Interlocked.Exchange(ref _busy, 0); // a full fence: the checks below must not be read before the release is seen
                if (!NeedsOwner() || !TryClaim()) return;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            End(null);
        }
        catch (Exception e)
        {
            End(e);
        }
    }

    /// <summary>Ends the session for good: refuses further audio (a writer never waits on a session that has stopped reading), drops what is queued, completes the updates.</summary>
    private void End(Exception? error)
    {
        _closed = true;
        _input.Writer.TryComplete();
        while (_input.Reader.TryRead(out var left)) left.Release();
        _analyzer.ReleaseBuffers();
        _output.Writer.TryComplete(error);
        if (error is null) _done.TrySetResult();
        else _done.TrySetException(error);
    }

    /// <summary>Decodes a chunk (synchronously: the span may be the writer's own memory), then emits the windows it completed.</summary>
    private ValueTask ProcessAsync(ReadOnlySpan<byte> chunk, long queuedAt)
    {
        _analyzer.PushBytes(chunk, _ready);
        PipelineMetrics.AudioSeconds.Add(chunk.Length * _secondsPerByte);
        return _ready.Count == 0 ? default : EmitAsync(queuedAt);
    }

    /// <summary>Classifies and sends the ready windows in order; completes synchronously unless it has to wait for the model or for room in the output.</summary>
    private ValueTask EmitAsync(long queuedAt)
    {
        for (int i = 0; i < _ready.Count; i++)
        {
            var window = _ready[i];
            if (window.Speech)
            {
                var classify = _batcher.ClassifyAsync(window, _probabilities, _stop.Token);
                if (!classify.IsCompletedSuccessfully) return EmitFromAsync(i, classify, queuedAt);
                classify.GetAwaiter().GetResult();
            }
            var update = Completed(window, queuedAt);
            if (!_output.Writer.TryWrite(update)) return SendThenEmitFromAsync(update, i + 1, queuedAt);
        }
        _ready.Clear();
        return default;
    }

    private async ValueTask EmitFromAsync(int index, ValueTask classify, long queuedAt)
    {
        await classify.ConfigureAwait(false);
        await SendAsync(Completed(_ready[index], queuedAt)).ConfigureAwait(false);
        await EmitRestAsync(index + 1, queuedAt).ConfigureAwait(false);
    }

    private async ValueTask SendThenEmitFromAsync(EmotionUpdate update, int index, long queuedAt)
    {
        await SendAsync(update).ConfigureAwait(false);
        await EmitRestAsync(index, queuedAt).ConfigureAwait(false);
    }

    private async ValueTask EmitRestAsync(int index, long queuedAt)
    {
        for (; index < _ready.Count; index++)
        {
            var window = _ready[index];
            if (window.Speech) await _batcher.ClassifyAsync(window, _probabilities, _stop.Token).ConfigureAwait(false);
            await SendAsync(Completed(window, queuedAt)).ConfigureAwait(false);
        }
        _ready.Clear();
    }

    private EmotionUpdate Completed(WindowInput window, long queuedAt)
    {
        var update = _analyzer.Complete(window, _probabilities);
        long now = Stopwatch.GetTimestamp();
        PipelineMetrics.UpdateLatency.Record(Stopwatch.GetElapsedTime(queuedAt, now).TotalMilliseconds);
        PipelineMetrics.Updates.Add(1);
        _readyAt[update.Seq & (_readyAt.Length - 1)] = now;
        return update;
    }

    private async ValueTask SendAsync(EmotionUpdate update)
    {
        try
        {
            await _output.Writer.WriteAsync(update, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped while the output was full: this update is computed and counted in the summary, so it is still
            // delivered — the reader drains the output until it completes — unless nobody reads for 5 s.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _output.Writer.WriteAsync(update, grace.Token).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        try { await Completion.ConfigureAwait(false); }
        catch (Exception) { /* reported through Completion and Updates */ }
        _stop.Dispose();
    }

    /// <summary>A queued chunk: a copy in a buffer rented from the shared array pool, or the writer's own array (handed
    /// over), which goes to <paramref name="HandedTo"/> when released.</summary>
    private readonly record struct Chunk(byte[] Buffer, int Length, long QueuedAt, ChunkPool? HandedTo)
    {
        public void Release()
        {
            if (HandedTo is null) ArrayPool<byte>.Shared.Return(Buffer);
            else HandedTo.Return(Buffer);
        }
    }
}

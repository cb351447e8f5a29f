using System.Buffers;
using System.Threading.Channels;
using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// One live session's <see cref="StreamAnalyzer"/> on bounded channels with batched inference: audio chunks in →
/// (decode, features, windows on the audio clock, <see cref="InferenceBatcher"/>) → <see cref="EmotionUpdate"/>s out,
/// in order. A full output channel (a reader that does not keep up) makes this session wait, which fills its input
/// channel and slows its writer: the slowness stays with this session.
/// </summary>
public sealed class SessionPipeline : IAsyncDisposable
{
    private readonly StreamAnalyzer _analyzer;
    private readonly InferenceBatcher _batcher;
    private readonly Channel<Chunk> _input;
    private readonly Channel<EmotionUpdate> _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _processing;

    public SessionPipeline(string id, AudioFormat format, InferenceBatcher batcher, SessionOptions? options = null,
        int inputCapacity = 32, int outputCapacity = 64)
    {
        options ??= SessionOptions.Default;
        if (batcher.WindowFrames > 0) options = options with { WindowFrames = batcher.WindowFrames };
        _analyzer = new StreamAnalyzer(id, format.Validate(), options);
        _batcher = batcher;
        _input = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(inputCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        _output = Channel.CreateBounded<EmotionUpdate>(new BoundedChannelOptions(outputCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        Format = format;
        _processing = Task.Run(ProcessAsync);
    }

    public string Id => _analyzer.Id;

    public AudioFormat Format { get; }

    /// <summary>Updates in order; completes after the last one (with the error that ended the session, if any).</summary>
    public ChannelReader<EmotionUpdate> Updates => _output.Reader;

    /// <summary>Completes when processing ends; faults with <see cref="AudioFormatException"/> on bad audio.</summary>
    public Task Completion => _processing;

    /// <summary>Chunks waiting in the input channel.</summary>
    public int InputDepth => _input.Reader.Count;

    /// <summary>Seconds of audio analysed so far.</summary>
    public double AudioSeconds => _analyzer.AudioSeconds;

    /// <summary>
    /// Queues a chunk (copied into a pooled buffer); waits while the input channel is full. Returns false when the
    /// session no longer takes audio (it ended or failed: see <see cref="Completion"/>).
    /// </summary>
    public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(chunk.Length);
        chunk.Span.CopyTo(buffer);
        try
        {
            await _input.Writer.WriteAsync(new Chunk(buffer, chunk.Length, System.Diagnostics.Stopwatch.GetTimestamp()), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return false;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>No more audio: the remaining windows are processed, then the update stream completes.</summary>
    public void Complete() => _input.Writer.TryComplete();

    /// <summary>The session so far (call after <see cref="Completion"/> for the final one).</summary>
    public SessionSummary Summarize() => _analyzer.Summarize();

    /// <summary>Stops at once (disconnect): queued audio is dropped, the update stream completes.</summary>
    public void Abort()
    {
        _input.Writer.TryComplete();
        _stop.Cancel();
    }

    private async Task ProcessAsync()
    {
        var ready = new List<WindowInput>();
        var probabilities = new float[Inference.EmotionLabels.Count];
        Exception? error = null;
        try
        {
            await foreach (var chunk in _input.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    _analyzer.PushBytes(chunk.Buffer.AsSpan(0, chunk.Length), ready);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk.Buffer);
                }
                await EmitAsync(ready, probabilities, chunk.QueuedAt).ConfigureAwait(false);
                PipelineMetrics.AudioSeconds.Add((double)chunk.Length / Format.BytesPerFrame / Format.SampleRate);
            }
            _stop.Token.ThrowIfCancellationRequested();
            _analyzer.Finish(ready);
            await EmitAsync(ready, probabilities, System.Diagnostics.Stopwatch.GetTimestamp()).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            // Refuse further audio so a writer never waits on a session that has stopped reading.
            _input.Writer.TryComplete();
            while (_input.Reader.TryRead(out var left)) ArrayPool<byte>.Shared.Return(left.Buffer);
            _output.Writer.TryComplete(error);
        }
    }

    private async Task EmitAsync(List<WindowInput> ready, float[] probabilities, long queuedAt)
    {
        foreach (var window in ready)
        {
            if (window.Speech) await _batcher.ClassifyAsync(window, probabilities, _stop.Token).ConfigureAwait(false);
            var update = _analyzer.Complete(window, probabilities);
            PipelineMetrics.UpdateLatency.Record(System.Diagnostics.Stopwatch.GetElapsedTime(queuedAt).TotalMilliseconds);
            PipelineMetrics.Updates.Add(1);
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
        ready.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        try { await _processing.ConfigureAwait(false); }
        catch (Exception) { /* reported through Completion and Updates */ }
        _stop.Dispose();
    }

    private readonly record struct Chunk(byte[] Buffer, int Length, long QueuedAt);
}

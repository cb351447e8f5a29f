using System.Threading.Channels;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// Collects speech windows from many sessions into batched classifier calls. Requests wait in a bounded channel;
/// each worker takes whatever is queued (up to <see cref="MaxBatch"/>) and runs one Predict over it, so batches grow
/// with load and cost nothing at low load. A full queue makes submitters wait (backpressure), never drops.
/// Workers are dedicated threads, not thread-pool tasks: a model call is tens of milliseconds of CPU, and holding
/// pool threads that long starves the network I/O of every session (measured: p99 latency 257 ms at 200 streams).
/// An idle worker sleeps on an event that the submitter sets as it queues a window, so it wakes on the submitter's own
/// thread: waiting on the channel (a blocked <c>WaitToReadAsync</c>) woke it only after a thread-pool work item ran,
/// and under load the pool's queue delayed every batch (docs/PERFORMANCE.md "Stop 29").
/// </summary>
public sealed class InferenceBatcher : IAsyncDisposable
{
    private readonly IEmotionClassifier _classifier;
    private readonly Channel<Request> _queue;
    // Set when a window is queued or the batcher stops; a worker resets it before it finds the queue empty and sleeps.
    private readonly ManualResetEventSlim _work = new(false);
    private readonly Thread[] _workers;
    private readonly int _frameValues;
    private long _batches, _windows;

    public InferenceBatcher(IEmotionClassifier classifier, int maxBatch = 32, int workers = 0, int queueCapacity = 4096)
    {
        _classifier = classifier;
        MaxBatch = maxBatch;
        _frameValues = classifier.WindowFrames * FeatureSchema.FrameFeatureCount;
        _queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(queueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
        });
        int count = workers > 0 ? workers : Math.Max(1, Environment.ProcessorCount - 1);
        _workers = Enumerable.Range(0, count).Select(i => new Thread(Work) { IsBackground = true, Name = $"inference-{i}" }).ToArray();
        foreach (var worker in _workers) worker.Start();
    }

    public int MaxBatch { get; }

    /// <summary>Threads running the model.</summary>
    public int Workers => _workers.Length;

    /// <summary>Frames per window the classifier wants (sessions must build windows of this length).</summary>
    public int WindowFrames => _classifier.WindowFrames;

    /// <summary>Mean windows per classifier call so far.</summary>
    public double MeanBatchSize => _batches == 0 ? 0 : (double)Interlocked.Read(ref _windows) / Interlocked.Read(ref _batches);

    /// <summary>Windows waiting for a worker.</summary>
    public int QueueDepth => _queue.Reader.CanCount ? _queue.Reader.Count : -1;

    /// <summary>Classifies one window; the result is written into <paramref name="probabilities"/> (7 values) before the task completes.</summary>
    public ValueTask ClassifyAsync(WindowInput window, float[] probabilities, CancellationToken cancellationToken = default)
    {
        var request = new Request(window, probabilities);
        if (_queue.Writer.TryWrite(request))
        {
            _work.Set();
            return new ValueTask(request.Done.Task);
        }
        return AwaitWrite(_queue.Writer.WriteAsync(request, cancellationToken), request, _work);

        static async ValueTask AwaitWrite(ValueTask write, Request request, ManualResetEventSlim work)
        {
            await write.ConfigureAwait(false);
            work.Set();
            await request.Done.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Classifies one silent window through the queue and the worker threads, as a session's windows go: what a readiness
    /// check needs to know the service can answer. Throws <see cref="ChannelClosedException"/> when the batcher is
    /// stopped, or the model's exception when it fails; a stuck worker shows as a probe that does not come back.
    /// </summary>
    public async Task<float[]> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var probabilities = new float[EmotionLabels.Count];
        await ClassifyAsync(new WindowInput(WindowFrames), probabilities, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        return probabilities;
    }

    private void Work()
    {
        // A model that lends its input tensors gets each window written once, straight into them; any other classifier
        // gets batch arrays.
        using var tensors = (_classifier as IBatchTensorClassifier)?.CreateBatch(MaxBatch);
        var batch = new List<Request>(MaxBatch);
        var frames = tensors is null ? new float[MaxBatch * Math.Max(1, _frameValues)] : [];
        var stats = tensors is null ? new float[MaxBatch * FeatureSchema.WindowFeatureCount] : [];
        var output = new float[MaxBatch * EmotionLabels.Count];
        var reader = _queue.Reader;
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var request)) batch.Add(request);
            if (batch.Count == 0)
            {
                // Reset, then look again: a window queued after the look sets the event after the reset, so the wait
                // returns at once; one queued before it is seen here.
                _work.Reset();
                if (reader.TryPeek(out _)) continue;
                if (reader.Completion.IsCompleted)
                {
                    // The stop's signal may be the one just reset: set it again for the other workers, or one still
                    // asleep would never wake, and DisposeAsync would wait for it for ever.
                    _work.Set();
                    return;
                }
                _work.Wait();
                continue;
            }
            try
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    var w = batch[i].Window;
                    if (_frameValues > 0) w.CopyFramesTo(tensors is null ? frames.AsSpan(i * _frameValues, _frameValues) : tensors.Frames(i));
                    if (_classifier.UsesStats) w.Stats.CopyTo(tensors is null ? stats.AsSpan(i * FeatureSchema.WindowFeatureCount) : tensors.Stats(i));
                }
                if (tensors is null) _classifier.Predict(frames, stats, batch.Count, output);
                else tensors.Run(batch.Count, output);
                PipelineMetrics.InferenceBatchSize.Record(batch.Count);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _windows, batch.Count);
                for (int i = 0; i < batch.Count; i++)
                {
                    output.AsSpan(i * EmotionLabels.Count, EmotionLabels.Count).CopyTo(batch[i].Probabilities);
                    batch[i].Done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                foreach (var r in batch) r.Done.TrySetException(e);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _work.Set();
        foreach (var worker in _workers) worker.Join();
        return ValueTask.CompletedTask;
    }

    private sealed class Request(WindowInput window, float[] probabilities)
    {
        public WindowInput Window { get; } = window;
        public float[] Probabilities { get; } = probabilities;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

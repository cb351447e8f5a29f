using System.Diagnostics.Metrics;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// Metrics of the streaming pipeline (meter "VoiceEmotion.Pipeline"), exported by the host (OpenTelemetry → /metrics).
/// </summary>
public static class PipelineMetrics
{
    public const string MeterName = "VoiceEmotion.Pipeline";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>From a chunk entering a session's input queue to an update it completes being ready (queueing, features, inference).</summary>
    public static readonly Histogram<double> UpdateLatency =
        Meter.CreateHistogram<double>("voiceemotion.update.latency", "ms", "Chunk queued to update ready, per update");

    public static readonly Histogram<int> InferenceBatchSize =
        Meter.CreateHistogram<int>("voiceemotion.inference.batch_size", "{window}", "Windows per batched model call");

    public static readonly Counter<double> AudioSeconds =
        Meter.CreateCounter<double>("voiceemotion.audio", "s", "Seconds of audio analysed");

    public static readonly Counter<long> Updates =
        Meter.CreateCounter<long>("voiceemotion.updates", "{update}", "Updates computed");

    /// <summary>What <see cref="ChunkPool.Shared"/> holds for reuse (at most its 64 MiB budget): part of the resident memory.</summary>
    public static readonly ObservableGauge<long> ChunkPoolHeld =
        Meter.CreateObservableGauge("voiceemotion.chunk_pool.held", () => ChunkPool.Shared.HeldBytes, "By", "Bytes of audio chunk arrays pooled for reuse");

    /// <summary>Session buffers (<see cref="WindowBufferPool.Shared"/>: windows, window statistics, feature extractors)
    /// allocated because no spare one was waiting, by kind:
    /// on a hub whose calls come and go this stays flat; a climb means large-object-heap churn (full collections).</summary>
    public static readonly ObservableCounter<long> WindowPoolAllocated =
        Meter.CreateObservableCounter("voiceemotion.window_pool.allocated", () => WindowPoolMeasurements(WindowBufferPool.Shared.Allocated, WindowBufferPool.Shared.Extractors.Allocated),
            "{buffer}", "Session window buffers allocated because the pool had no spare one");

    /// <summary>Session buffers given back when <see cref="WindowBufferPool.Shared"/> was full, left to the GC.</summary>
    public static readonly ObservableCounter<long> WindowPoolDiscarded =
        Meter.CreateObservableCounter("voiceemotion.window_pool.discarded", () => WindowPoolMeasurements(WindowBufferPool.Shared.Discarded, WindowBufferPool.Shared.Extractors.Discarded),
            "{buffer}", "Session window buffers left to the GC because the pool was full");

    /// <summary>Spare session buffers waiting in <see cref="WindowBufferPool.Shared"/> for the next sessions, by kind.</summary>
    public static readonly ObservableGauge<long> WindowPoolSpare =
        Meter.CreateObservableGauge("voiceemotion.window_pool.spare", () => WindowPoolMeasurements(WindowBufferPool.Shared.Count, WindowBufferPool.Shared.Extractors.Spare),
            "{buffer}", "Spare session window buffers waiting for the next sessions");

    private static Measurement<long>[] WindowPoolMeasurements((long Inputs, long Statistics) windows, long extractors) =>
    [
        new(windows.Inputs, new KeyValuePair<string, object?>("kind", "input")),
        new(windows.Statistics, new KeyValuePair<string, object?>("kind", "statistics")),
        new(extractors, new KeyValuePair<string, object?>("kind", "extractor")),
    ];
}

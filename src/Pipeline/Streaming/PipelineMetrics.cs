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
}

namespace VoiceEmotion.StreamHub;

/// <summary>Limits and settings of the hub (section "StreamHub" of configuration). Defaults work with zero configuration.</summary>
public sealed class StreamHubOptions : IValidatedOptions
{
    public const string Section = "StreamHub";

    /// <summary>Path of the ONNX model; relative paths are tried against the content root, then the repository root.</summary>
    public string ModelPath { get; set; } = "models/emotion.onnx";

    /// <summary>Largest audio chunk accepted on the hub, in bytes (1 s of 48 kHz stereo float32 is 384,000).</summary>
    public int MaxChunkBytes { get; set; } = 512 * 1024;

    /// <summary>Longest session, in seconds of audio.</summary>
    public double MaxSessionSeconds { get; set; } = 4 * 3600;

    /// <summary>Sessions open at once across all connections.</summary>
    public int MaxConcurrentSessions { get; set; } = 2000;

    /// <summary>Sessions open at once on one connection.</summary>
    public int MaxStreamsPerConnection { get; set; } = 64;

    /// <summary>Largest upload accepted by POST /api/analyze, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Uploads analysed at once (synchronous and jobs); more get 429 with Retry-After.</summary>
    public int MaxConcurrentUploads { get; set; } = Math.Max(2, 2 * Environment.ProcessorCount);

    /// <summary>Analysis jobs kept in memory; when a new one needs room the oldest finished job is dropped early.</summary>
    public int MaxAnalysisJobs { get; set; } = 32;

    /// <summary>How long a finished job (and its result) can be read, in seconds.</summary>
    public double AnalysisJobExpirySeconds { get; set; } = 1800;

    /// <summary>How long a client may leave an update untaken (its connection backed up: it stopped reading) before the
    /// server drops that connection so the session's other listeners, and its log, are not held up.</summary>
    public double SlowClientSendTimeoutSeconds { get; set; } = 10;

    /// <summary>Windows per batched model call.</summary>
    public int MaxInferenceBatch { get; set; } = 32;

    /// <summary>Threads running the model (each one batch at a time, one core each); 0 = the machine's cores less one.</summary>
    public int InferenceWorkers { get; set; }

    /// <summary>How long the readiness check waits for its probe window to come back through the inference batcher.</summary>
    public double ReadinessProbeSeconds { get; set; } = 5;

    public IEnumerable<string?> Problems()
    {
        yield return OptionsValidation.Required($"{Section}:{nameof(ModelPath)}", ModelPath);
        // The hub accepts messages up to 1 MiB, so a larger chunk could never arrive.
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxChunkBytes)}", MaxChunkBytes, 1024, 1024 * 1024);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxSessionSeconds)}", MaxSessionSeconds, 1, 7 * 86_400);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxConcurrentSessions)}", MaxConcurrentSessions, 1, 100_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxStreamsPerConnection)}", MaxStreamsPerConnection, 1, 10_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxUploadBytes)}", MaxUploadBytes, 1024, 4L * 1024 * 1024 * 1024);
        yield return OptionsValidation.Range($"{Section}:{nameof(SlowClientSendTimeoutSeconds)}", SlowClientSendTimeoutSeconds, 0.1, 600);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxInferenceBatch)}", MaxInferenceBatch, 1, 1024);
        yield return OptionsValidation.Range($"{Section}:{nameof(InferenceWorkers)}", InferenceWorkers, 0, 256);
        yield return OptionsValidation.Range($"{Section}:{nameof(ReadinessProbeSeconds)}", ReadinessProbeSeconds, 0.1, 60);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxConcurrentUploads)}", MaxConcurrentUploads, 1, 10_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxAnalysisJobs)}", MaxAnalysisJobs, 1, 100_000);
        if (MaxAnalysisJobs < MaxConcurrentUploads)
            yield return $"{Section}:{nameof(MaxAnalysisJobs)} ({MaxAnalysisJobs}) must be at least {nameof(MaxConcurrentUploads)} ({MaxConcurrentUploads}), so every running job has room";
        yield return OptionsValidation.Range($"{Section}:{nameof(AnalysisJobExpirySeconds)}", AnalysisJobExpirySeconds, 1, 7 * 86_400);
    }
}

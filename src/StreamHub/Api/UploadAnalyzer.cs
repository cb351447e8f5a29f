using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Api;

/// <summary>
/// Analyses uploaded WAV streams through the shared inference batcher, at most <see cref="StreamHubOptions.MaxConcurrentUploads"/>
/// at a time, each on a thread of its own (the analysis blocks on reads and on the batcher; pool threads serve the network).
/// </summary>
public sealed class UploadAnalyzer(ModelHost models, CallLogWriter log, IOptions<StreamHubOptions> options, ILogger<UploadAnalyzer> logger) : IDisposable
{
    /// <summary>What a refused upload is told to wait before trying again.</summary>
    public const int RetryAfterSeconds = 5;

    private readonly ConcurrencyLimiter _slots = new(new ConcurrencyLimiterOptions { PermitLimit = options.Value.MaxConcurrentUploads, QueueLimit = 0 });

    /// <summary>Upload slots free right now (for metrics and tests).</summary>
    public long FreeSlots => _slots.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>A slot for one upload (dispose it when its analysis has ended), or null when all are taken.</summary>
    public RateLimitLease? TryAdmit()
    {
        var lease = _slots.AttemptAcquire();
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        return null;
    }

    /// <summary>Reads and analyses one WAV stream; on success the session is written to the emotion log as an upload.</summary>
    public async Task<UploadResult> AnalyzeAsync(Stream wav, string fileName, string owner, string sessionId, ClipProgress progress, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var updates = new List<EmotionUpdate>();
        var summary = await Task.Factory.StartNew(
            () => ClipAnalyzer.AnalyzeWav(wav, models.Batcher, updates.Add, sessionId, options.Value.MaxUploadBytes, progress, cancellationToken),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        log.Enqueue(new LogItem.Started(new SessionRecord(sessionId, "upload", fileName, null, null, startedAt, Owner: owner)));
        foreach (var u in updates) log.Enqueue(new LogItem.Update(u));
        log.Enqueue(new LogItem.Ended(summary, DateTimeOffset.UtcNow));
        logger.LogInformation("Upload {FileName} analysed: {Seconds:F1} s of audio, {Updates} updates", fileName, summary.DurationSeconds, updates.Count);
        return new UploadResult(fileName, progress.SampleRate, updates, summary);
    }

    public void Dispose() => _slots.Dispose();
}

/// <summary>An analysed upload, kept compact (update records, not their wire form) while a job holds it.</summary>
public sealed record UploadResult(string FileName, int SampleRate, IReadOnlyList<EmotionUpdate> Updates, SessionSummary Summary)
{
    public AnalyzeResponse ToResponse() =>
        new(FileName, SampleRate, Updates.Select(EmotionUpdateMessage.From).ToList(), SessionSummaryMessage.From(Summary));
}

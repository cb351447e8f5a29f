namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>
/// Body of GET /api/jobs/{id} (and of the 202 that created the job). State: queued, running, done or failed; Result
/// (when done) is exactly the body of the synchronous POST /api/analyze; Error (when failed) names what was wrong.
/// </summary>
public sealed record AnalysisJobStatus(string JobId, string State, string FileName, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt,
    AnalysisJobProgress Progress, AnalyzeResponse? Result, ApiError? Error);

/// <summary>Seconds of audio analysed so far, of the total the file's header declares (null when it does not).</summary>
public sealed record AnalysisJobProgress(double SecondsAnalysed, double? TotalSeconds);

using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Api;

/// <summary>One upload analysed in the background: its owner, state, progress and, at the end, result or error.</summary>
public sealed class AnalysisJob(string id, string owner, string fileName, DateTimeOffset createdAt)
{
    private volatile string _state = "queued";
    private UploadResult? _result;
    private ApiError? _error;

    public string Id { get; } = id;

    public string Owner { get; } = owner;

    public string FileName { get; } = fileName;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset? FinishedAt { get; private set; }

    public ClipProgress Progress { get; } = new();

    public bool Finished => _state is "done" or "failed";

    public void Running() => _state = "running";

    public void Succeeded(UploadResult result, DateTimeOffset at)
    {
        _result = result;
        FinishedAt = at;
        _state = "done";
    }

    public void Failed(ApiError error, DateTimeOffset at)
    {
        _error = error;
        FinishedAt = at;
        _state = "failed";
    }

    public AnalysisJobStatus Status()
    {
        string state = _state; // read first: result and error are set before the state says so
        return new AnalysisJobStatus(Id, state, FileName, CreatedAt, FinishedAt,
            new AnalysisJobProgress(Progress.SecondsAnalysed, Progress.TotalSeconds),
            state == "done" ? _result!.ToResponse() : null, state == "failed" ? _error : null);
    }
}

namespace VoiceEmotion.Client;

// Bodies of the REST API (docs/PROTOCOL.md, "HTTP"; /openapi/v1.json), read as JSON in camelCase.

/// <summary>Body of every HTTP error: a stable code and a message naming the problem.</summary>
public sealed class ApiError
{
    /// <summary>Stable code, e.g. <c>bad_audio</c>, <c>not_found</c>, <c>too_many_uploads</c>.</summary>
    public string Error { get; set; } = "";
    /// <summary>For people.</summary>
    public string Message { get; set; } = "";
}

/// <summary>The analysis of a file: the updates a live stream of it would get, and its summary.</summary>
public sealed class AnalyzeResult
{
    /// <summary>As uploaded.</summary>
    public string FileName { get; set; } = "";
    /// <summary>The file's sample rate, Hz.</summary>
    public double SampleRate { get; set; }
    /// <summary>Every update, in order.</summary>
    public List<EmotionUpdate> Updates { get; set; } = [];
    /// <summary>The summary.</summary>
    public SessionSummary Summary { get; set; } = new();
}

/// <summary>An analysis job (POST /api/analyze?mode=job, GET /api/jobs/{id}).</summary>
public sealed class AnalysisJobStatus
{
    /// <summary>32 hex digits; also the session id in the emotion log once done.</summary>
    public string JobId { get; set; } = "";
    /// <summary><c>queued</c>, <c>running</c>, <c>done</c> or <c>failed</c> (see <see cref="AnalysisJobStates"/>).</summary>
    public string State { get; set; } = "";
    /// <summary>As uploaded.</summary>
    public string FileName { get; set; } = "";
    /// <summary>When the job was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When it finished (null until done or failed).</summary>
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Audio seconds analysed of the total.</summary>
    public AnalysisJobProgress Progress { get; set; } = new();
    /// <summary>When done: the result.</summary>
    public AnalyzeResult? Result { get; set; }
    /// <summary>When failed: why.</summary>
    public ApiError? Error { get; set; }
}

/// <summary>Values of <see cref="AnalysisJobStatus.State"/>.</summary>
public static class AnalysisJobStates
{
    /// <summary>Received, not started.</summary>
    public const string Queued = "queued";
    /// <summary>Being analysed.</summary>
    public const string Running = "running";
    /// <summary>Finished: <see cref="AnalysisJobStatus.Result"/> is set.</summary>
    public const string Done = "done";
    /// <summary>Failed: <see cref="AnalysisJobStatus.Error"/> says why.</summary>
    public const string Failed = "failed";
}

/// <summary>Seconds of audio analysed so far, of the total the file's header declares (null when it does not).</summary>
public sealed class AnalysisJobProgress
{
    /// <summary>Audio seconds analysed.</summary>
    public double SecondsAnalysed { get; set; }
    /// <summary>The file's length, or null for a WAV whose size is open.</summary>
    public double? TotalSeconds { get; set; }
}

/// <summary>A logged session.</summary>
public sealed class SessionRecord
{
    /// <summary>The session's id.</summary>
    public string SessionId { get; set; } = "";
    /// <summary><c>hub</c>, <c>mic</c>, <c>replay</c>, <c>upload</c>, <c>twilio</c>, <c>audiosocket</c>…</summary>
    public string Source { get; set; } = "";
    /// <summary>The caller's label.</summary>
    public string? Label { get; set; }
    /// <summary>Phone call id.</summary>
    public string? CallId { get; set; }
    /// <summary>Phone track.</summary>
    public string? Track { get; set; }
    /// <summary>UTC start.</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>UTC end, null while live.</summary>
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary>Null while live or when interrupted.</summary>
    public SessionSummary? Summary { get; set; }
    /// <summary>Who streamed it.</summary>
    public string? Owner { get; set; }
    /// <summary><c>live</c>, <c>ended</c> or <c>interrupted</c>.</summary>
    public string Status { get; set; } = "";
    /// <summary>Its role in its call: <c>caller</c>, <c>agent</c> or <c>speaker</c> (<see cref="CallRoles"/>).</summary>
    public string? Role { get; set; }
    /// <summary>The agent handling the call, as declared.</summary>
    public string? Agent { get; set; }
    /// <summary>The queue or team, as declared.</summary>
    public string? Queue { get; set; }
}

/// <summary>One page of GET /api/sessions.</summary>
public sealed class SessionPage
{
    /// <summary>Sessions matching the query, over all pages.</summary>
    public int Total { get; set; }
    /// <summary>This page, newest first.</summary>
    public List<SessionRecord> Items { get; set; } = [];
}

/// <summary>Body of GET /api/sessions/{id}.</summary>
public sealed class SessionDetails
{
    /// <summary>The session.</summary>
    public SessionRecord Session { get; set; } = new();
    /// <summary>Alerts raised on it.</summary>
    public List<AlertMessage> Alerts { get; set; } = [];
}

/// <summary>Body of GET /api/sessions/{id}/export?format=json.</summary>
public sealed class SessionExport
{
    /// <summary>The session.</summary>
    public SessionRecord Session { get; set; } = new();
    /// <summary>Alerts raised on it.</summary>
    public List<AlertMessage> Alerts { get; set; } = [];
    /// <summary>Its updates in order (<c>windowSeconds</c> is not stored: 0).</summary>
    public List<EmotionUpdate> Timeline { get; set; } = [];
}

/// <summary>Filters of GET /api/sessions; null leaves a filter out.</summary>
public sealed record SessionQuery
{
    /// <summary>Earliest start time.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>Latest start time.</summary>
    public DateTimeOffset? To { get; init; }
    /// <summary>Source, e.g. <c>upload</c>.</summary>
    public string? Source { get; init; }
    /// <summary>Dominant label.</summary>
    public string? Dominant { get; init; }
    /// <summary>Minimum share (0–1) of speech time that was angry.</summary>
    public double? MinAngryShare { get; init; }
    /// <summary>Minimum share (0–1) of speech time that was sad, angry, fearful or disgust.</summary>
    public double? MinNegativeShare { get; init; }
    /// <summary>Supervisors: only this owner's sessions.</summary>
    public string? Owner { get; init; }
    /// <summary>Page size (server default 50).</summary>
    public int? Limit { get; init; }
    /// <summary>Page offset.</summary>
    public int? Offset { get; init; }
}

using System.Text.Json.Serialization;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>A logged session: metadata, and the summary once it has ended. <see cref="Status"/> is "live" (no end yet),
/// "ended" (ended with its summary) or "interrupted" (its server died mid-session: ended without a summary).</summary>
public sealed record SessionRecord(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("callId")] string? CallId,
    [property: JsonPropertyName("track")] string? Track,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("endedAt")] DateTimeOffset? EndedAt = null,
    [property: JsonPropertyName("summary")] SessionSummaryMessage? Summary = null,
    [property: JsonPropertyName("owner")] string? Owner = null,
    [property: JsonPropertyName("status")] string Status = SessionStatus.Live);

/// <summary>Values of <see cref="SessionRecord.Status"/>.</summary>
public static class SessionStatus
{
    public const string Live = "live";
    public const string Ended = "ended";
    public const string Interrupted = "interrupted";
}

/// <summary>Filters of GET /api/sessions.</summary>
public sealed record SessionQuery(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Source = null, string? Dominant = null,
    double? MinAngryShare = null, double? MinNegativeShare = null, int Limit = 50, int Offset = 0, string? Owner = null);

/// <summary>One page of sessions.</summary>
public sealed record SessionPage(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("items")] IReadOnlyList<SessionRecord> Items);

/// <summary>Body of GET /api/sessions/{id}: the session and the alerts raised on it.</summary>
public sealed record SessionDetails(
    [property: JsonPropertyName("session")] SessionRecord Session,
    [property: JsonPropertyName("alerts")] IReadOnlyList<AlertMessage> Alerts);

/// <summary>Body of GET /api/sessions/{id}/export?format=json: everything the log holds about one session.</summary>
public sealed record SessionExport(
    [property: JsonPropertyName("session")] SessionRecord Session,
    [property: JsonPropertyName("alerts")] IReadOnlyList<AlertMessage> Alerts,
    [property: JsonPropertyName("timeline")] IReadOnlyList<EmotionUpdateMessage> Timeline);

/// <summary>What the writer queues: one of the four kinds of log entry.</summary>
public abstract record LogItem
{
    public sealed record Started(SessionRecord Session) : LogItem;
    public sealed record Update(EmotionUpdate Value) : LogItem;
    public sealed record Ended(SessionSummary Summary, DateTimeOffset EndedAt) : LogItem;
    public sealed record Raised(AlertMessage Alert) : LogItem;
}

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
    [property: JsonPropertyName("status")] string Status = SessionStatus.Live,
    [property: JsonPropertyName("role")] string? Role = null,
    [property: JsonPropertyName("agent")] string? Agent = null,
    [property: JsonPropertyName("queue")] string? Queue = null)
{
    /// <summary>The call this session belongs to: the phone call's id, or the session's own id (a one-session call).</summary>
    [JsonIgnore]
    public string CallKey => CallId ?? SessionId;

    /// <summary>The role stored when none was given: the track's (inbound = caller, outbound = agent), else speaker.</summary>
    [JsonIgnore]
    public string RoleOrDefault => Role ?? CallRoles.Of(Track);
}

/// <summary>What a session is within its call.</summary>
public static class CallRoles
{
    public const string Caller = "caller", Agent = "agent", Speaker = "speaker";

    /// <summary>Twilio's inbound track (and an AudioSocket call) is the caller, the outbound track the agent; a session
    /// with no track (mic, replay, upload) is the one speaker of its call.</summary>
    public static string Of(string? track) => track switch { "inbound" => Caller, "outbound" => Agent, _ => Speaker };
}

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

/// <summary>Filters, paging and order of GET /api/calls; the share filters and <see cref="Dominant"/> apply to the
/// call as a whole (all its tracks).</summary>
public sealed record CallQuery(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Source = null, string? Dominant = null,
    double? MinAngryShare = null, double? MinNegativeShare = null, int Limit = 50, int Offset = 0, string? Owner = null,
    string? Label = null, string? Agent = null, string? Queue = null, string Sort = "-startedAt");

/// <summary>A call: its tracks (one session each) and what they add up to. Shares are of the call's speech time over
/// every track; null while no track has ended.</summary>
public sealed record CallRecord(
    [property: JsonPropertyName("callId")] string CallId,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("agent")] string? Agent,
    [property: JsonPropertyName("queue")] string? Queue,
    [property: JsonPropertyName("owner")] string? Owner,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("endedAt")] DateTimeOffset? EndedAt,
    [property: JsonPropertyName("speechSeconds")] double SpeechSeconds,
    [property: JsonPropertyName("dominant")] string? Dominant,
    [property: JsonPropertyName("angryShare")] double? AngryShare,
    [property: JsonPropertyName("negativeShare")] double? NegativeShare,
    [property: JsonPropertyName("share")] Dictionary<string, double> Share,
    [property: JsonPropertyName("alerts")] int Alerts,
    [property: JsonPropertyName("tracks")] IReadOnlyList<CallTrack> Tracks);

/// <summary>One track of a call: a logged session with its role.</summary>
public sealed record CallTrack(
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("track")] string? Track,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("endedAt")] DateTimeOffset? EndedAt,
    [property: JsonPropertyName("summary")] SessionSummaryMessage? Summary);

/// <summary>One page of calls.</summary>
public sealed record CallPage(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("items")] IReadOnlyList<CallRecord> Items);

/// <summary>Body of GET /api/calls/{callId}: the call and the alerts raised on any of its tracks.</summary>
public sealed record CallDetails(
    [property: JsonPropertyName("call")] CallRecord Call,
    [property: JsonPropertyName("alerts")] IReadOnlyList<AlertMessage> Alerts);

/// <summary>GET /api/stats: calls started in [From, To) in buckets of <see cref="BucketMilliseconds"/> (UTC), per value
/// of <see cref="GroupBy"/> (a calls column: source, label, agent or queue).</summary>
public sealed record StatsQuery(DateTimeOffset From, DateTimeOffset To, long BucketMilliseconds, string GroupBy, string? Owner = null);

/// <summary>One bucket of GET /api/stats.</summary>
public sealed record StatsBucket(
    [property: JsonPropertyName("start")] DateTimeOffset Start,
    [property: JsonPropertyName("group")] string? Group,
    [property: JsonPropertyName("calls")] int Calls,
    [property: JsonPropertyName("speechSeconds")] double SpeechSeconds,
    [property: JsonPropertyName("share")] Dictionary<string, double> Share,
    [property: JsonPropertyName("negativeShare")] double NegativeShare,
    [property: JsonPropertyName("alerts")] int Alerts);

/// <summary>Body of GET /api/stats.</summary>
public sealed record StatsResult(
    [property: JsonPropertyName("from")] DateTimeOffset From,
    [property: JsonPropertyName("to")] DateTimeOffset To,
    [property: JsonPropertyName("bucket")] string Bucket,
    [property: JsonPropertyName("groupBy")] string GroupBy,
    [property: JsonPropertyName("buckets")] IReadOnlyList<StatsBucket> Buckets);

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

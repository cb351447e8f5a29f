namespace VoiceEmotion.Client;

// Bodies of /api/calls, /api/stats and /api/alert-rules (docs/PROTOCOL.md "Calls", "Trends", "Alert rules"), read and
// written as JSON in camelCase. tests/Client.Tests/ContractShapeTests holds them to the server's types.

/// <summary>
/// A call: the sessions of one conversation (a Twilio call's caller and agent tracks, an AudioSocket call, or one mic,
/// replay or upload session) and what they add up to. Shares are of the call's speech time over every track.
/// </summary>
public sealed class CallRecord
{
    /// <summary>Twilio callSid, AudioSocket UUID, or the session id of a one-session call.</summary>
    public string CallId { get; set; } = "";
    /// <summary><c>twilio</c>, <c>audiosocket</c>, <c>mic</c>, <c>replay</c>, <c>upload</c>, <c>hub</c>…</summary>
    public string Source { get; set; } = "";
    /// <summary>The first track's label.</summary>
    public string? Label { get; set; }
    /// <summary>The first track's agent.</summary>
    public string? Agent { get; set; }
    /// <summary>The first track's queue.</summary>
    public string? Queue { get; set; }
    /// <summary>Who streamed it.</summary>
    public string? Owner { get; set; }
    /// <summary><c>live</c> while any track is live, else <c>interrupted</c> if any track was, else <c>ended</c>.</summary>
    public string Status { get; set; } = "";
    /// <summary>The first track's start (UTC).</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>The last track's end; null while any track is live.</summary>
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary>Speech over all tracks (0.5 s per speech update).</summary>
    public double SpeechSeconds { get; set; }
    /// <summary>The label with the largest <see cref="Share"/>; null without speech.</summary>
    public string? Dominant { get; set; }
    /// <summary><c>share.angry</c>; null until a track has ended with speech.</summary>
    public double? AngryShare { get; set; }
    /// <summary>Sad + angry + fearful + disgust; null until a track has ended with speech.</summary>
    public double? NegativeShare { get; set; }
    /// <summary>Label → fraction of the call's speech time whose top was that label (all 0 without speech).</summary>
    public Dictionary<string, double> Share { get; set; } = [];
    /// <summary>Alerts raised on any track.</summary>
    public int Alerts { get; set; }
    /// <summary>Its tracks: caller first, then agent, then by start.</summary>
    public List<CallTrack> Tracks { get; set; } = [];
}

/// <summary>One track of a call: a logged session with its role. Its updates are at
/// <see cref="VoiceEmotionRestClient.GetTimelineAsync"/> of <see cref="SessionId"/>.</summary>
public sealed class CallTrack
{
    /// <summary>The session's id.</summary>
    public string SessionId { get; set; } = "";
    /// <summary><c>caller</c>, <c>agent</c> or <c>speaker</c> (<see cref="CallRoles"/>).</summary>
    public string Role { get; set; } = "";
    /// <summary><c>inbound</c>/<c>outbound</c> for phone calls, else null.</summary>
    public string? Track { get; set; }
    /// <summary><c>live</c>, <c>ended</c> or <c>interrupted</c>.</summary>
    public string Status { get; set; } = "";
    /// <summary>UTC start.</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>UTC end, null while live.</summary>
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary>Null while live or when interrupted.</summary>
    public SessionSummary? Summary { get; set; }
}

/// <summary>One page of GET /api/calls.</summary>
public sealed class CallPage
{
    /// <summary>Calls matching the query, over all pages.</summary>
    public int Total { get; set; }
    /// <summary>This page, in the order asked for.</summary>
    public List<CallRecord> Items { get; set; } = [];
}

/// <summary>Body of GET /api/calls/{callId}.</summary>
public sealed class CallDetails
{
    /// <summary>The call.</summary>
    public CallRecord Call { get; set; } = new();
    /// <summary>The alerts of every track, in the order raised.</summary>
    public List<AlertMessage> Alerts { get; set; } = [];
}

/// <summary>Filters, order and paging of GET /api/calls; null leaves a filter out (the server's default).</summary>
public sealed record CallQuery
{
    /// <summary>Earliest call start.</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>Latest call start.</summary>
    public DateTimeOffset? To { get; init; }
    /// <summary>Source, e.g. <c>twilio</c>.</summary>
    public string? Source { get; init; }
    /// <summary>The call's dominant label (one of the seven).</summary>
    public string? Dominant { get; init; }
    /// <summary>Minimum share (0–1) of the call's speech time that was angry.</summary>
    public double? MinAngryShare { get; init; }
    /// <summary>Minimum share (0–1) of the call's speech time that was sad, angry, fearful or disgust.</summary>
    public double? MinNegativeShare { get; init; }
    /// <summary>Exact label.</summary>
    public string? Label { get; init; }
    /// <summary>Exact agent.</summary>
    public string? Agent { get; init; }
    /// <summary>Exact queue.</summary>
    public string? Queue { get; init; }
    /// <summary>Supervisors: only this owner's calls.</summary>
    public string? Owner { get; init; }
    /// <summary>One of <see cref="CallSorts"/>, <c>-</c> first for descending (server default <c>-startedAt</c>).</summary>
    public string? Sort { get; init; }
    /// <summary>Page size, 1–1000 (server default 50).</summary>
    public int? Limit { get; init; }
    /// <summary>Page offset.</summary>
    public int? Offset { get; init; }
}

/// <summary>Fields GET /api/calls sorts on (<see cref="CallQuery.Sort"/>); prefix <c>-</c> for descending.</summary>
public static class CallSorts
{
    /// <summary>The call's start.</summary>
    public const string StartedAt = "startedAt";
    /// <summary>The call's end.</summary>
    public const string EndedAt = "endedAt";
    /// <summary>Speech over all tracks.</summary>
    public const string SpeechSeconds = "speechSeconds";
    /// <summary>Negative share.</summary>
    public const string NegativeShare = "negativeShare";
    /// <summary>Angry share.</summary>
    public const string AngryShare = "angryShare";
    /// <summary>Alerts raised.</summary>
    public const string Alerts = "alerts";
    /// <summary>Source.</summary>
    public const string Source = "source";
    /// <summary>Label.</summary>
    public const string Label = "label";
    /// <summary>Agent.</summary>
    public const string Agent = "agent";
    /// <summary>Queue.</summary>
    public const string Queue = "queue";

    /// <summary>The same field, descending.</summary>
    public static string Descending(string field) => "-" + field;
}

/// <summary>Range, bucket and grouping of GET /api/stats; null takes the server's default.</summary>
public sealed record StatsQuery
{
    /// <summary>Start (default: 24 hours, or 30 days by day, before <see cref="To"/>).</summary>
    public DateTimeOffset? From { get; init; }
    /// <summary>End (default now).</summary>
    public DateTimeOffset? To { get; init; }
    /// <summary><c>hour</c> (default) or <c>day</c>, UTC.</summary>
    public string? Bucket { get; init; }
    /// <summary><c>source</c> (default), <c>label</c>, <c>agent</c> or <c>queue</c>.</summary>
    public string? GroupBy { get; init; }
}

/// <summary>Body of GET /api/stats: buckets of calls, speech, emotion shares and alerts.</summary>
public sealed class StatsResult
{
    /// <summary>Start of the range.</summary>
    public DateTimeOffset From { get; set; }
    /// <summary>End of the range.</summary>
    public DateTimeOffset To { get; set; }
    /// <summary><c>hour</c> or <c>day</c>.</summary>
    public string Bucket { get; set; } = "";
    /// <summary>What the buckets are grouped on.</summary>
    public string GroupBy { get; set; } = "";
    /// <summary>By start, then group; buckets without calls or alerts are left out.</summary>
    public List<StatsBucket> Buckets { get; set; } = [];
}

/// <summary>One bucket of <see cref="StatsResult"/>: one hour or day and one value of the grouping.</summary>
public sealed class StatsBucket
{
    /// <summary>The bucket's start (UTC).</summary>
    public DateTimeOffset Start { get; set; }
    /// <summary>The group's value; null for calls without one (e.g. no queue).</summary>
    public string? Group { get; set; }
    /// <summary>Calls that started in the bucket.</summary>
    public int Calls { get; set; }
    /// <summary>Those calls' speech, all tracks.</summary>
    public double SpeechSeconds { get; set; }
    /// <summary>Label → fraction of those calls' speech time (0 without speech).</summary>
    public Dictionary<string, double> Share { get; set; } = [];
    /// <summary>Sad + angry + fearful + disgust.</summary>
    public double NegativeShare { get; set; }
    /// <summary>Alerts raised in the bucket on calls of the group.</summary>
    public int Alerts { get; set; }
}

/// <summary>An alert rule in force (GET /api/alert-rules): it fires once per episode when <see cref="Emotion"/>'s
/// probability stays ≥ <see cref="Threshold"/> over consecutive speech updates spanning ≥ <see cref="SustainedSeconds"/>,
/// on sessions whose label is <see cref="ScopeLabel"/> and whose queue is <see cref="ScopeQueue"/> (null: any).</summary>
public sealed class AlertRuleRecord
{
    /// <summary>The rule's name: an alert's <see cref="AlertMessage.Rule"/>.</summary>
    public string Name { get; set; } = "";
    /// <summary>One of the seven labels: an alert's <see cref="AlertMessage.Label"/>.</summary>
    public string Emotion { get; set; } = "";
    /// <summary>Probability, 0–1.</summary>
    public double Threshold { get; set; }
    /// <summary>Seconds, 0–3600.</summary>
    public double SustainedSeconds { get; set; }
    /// <summary>Only sessions with exactly this label; null: every label.</summary>
    public string? ScopeLabel { get; set; }
    /// <summary>Only sessions in exactly this queue; null: every queue.</summary>
    public string? ScopeQueue { get; set; }
    /// <summary>When it was last saved (UTC).</summary>
    public DateTimeOffset? UpdatedAt { get; set; }
    /// <summary>The admin who saved it, or <c>configuration</c> for a seeded rule.</summary>
    public string? UpdatedBy { get; set; }
}

/// <summary>The body of creating (POST) or replacing (PUT) an alert rule; the server checks every field and answers
/// <c>bad_rule</c> naming the first one wrong.</summary>
public sealed record AlertRuleInput
{
    /// <summary>1–64 letters, digits, <c>.</c>, <c>_</c>, <c>-</c>, starting with a letter or digit. May be left out when
    /// replacing; when given it must be the rule's (a rule is not renamed).</summary>
    public string? Name { get; init; }
    /// <summary>One of the seven labels.</summary>
    public string? Emotion { get; init; }
    /// <summary>The probability, 0–1, the emotion must stay at or above.</summary>
    public double? Threshold { get; init; }
    /// <summary>How long, 0–3600 s, over consecutive speech updates.</summary>
    public double? SustainedSeconds { get; init; }
    /// <summary>Watch only sessions with exactly this label (1–200 characters); null: every label.</summary>
    public string? ScopeLabel { get; init; }
    /// <summary>Watch only sessions in exactly this queue (1–200 characters); null: every queue.</summary>
    public string? ScopeQueue { get; init; }
}

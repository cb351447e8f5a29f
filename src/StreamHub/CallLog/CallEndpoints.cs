using System.Globalization;
using System.Security.Claims;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Security;
using static VoiceEmotion.StreamHub.CallLog.CallLogEndpoints;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// Calls and trends over the emotion log: GET /api/calls (filters, sort, paging), GET /api/calls/{callId} (tracks,
/// summaries, alerts), DELETE /api/calls/{callId} (admin), GET /api/stats (buckets of calls, speech, shares and alerts).
/// Same roles as /api/sessions: a client sees only its own calls, supervisors all.
/// </summary>
public static class CallEndpoints
{
    /// <summary>Most buckets one /api/stats answer may span per group (a year of hours is 8,784).</summary>
    public const int MaxBuckets = 10_000;

    public static IEndpointRouteBuilder MapCalls(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/api/calls").RequireAuthorization().WithTags(OpenApiSetup.LogTag);
        calls.MapGet("", (string? from, string? to, string? source, string? dominant, string? minAngryShare, string? minNegativeShare,
            string? owner, string? label, string? agent, string? queue, string? sort, string? limit, string? offset, ClaimsPrincipal user, SqlCallLog log) =>
        {
            try
            {
                var query = new CallQuery(
                    Time(from), Time(to), Nullable(source), Nullable(dominant),
                    Share(minAngryShare, "minAngryShare"), Share(minNegativeShare, "minNegativeShare"),
                    Count(limit, "limit", 50, 1, 1000), Count(offset, "offset", 0, 0, int.MaxValue),
                    user.CanSupervise() ? Nullable(owner) : user.Owner(), Nullable(label), Nullable(agent), Nullable(queue), Nullable(sort) ?? "-startedAt");
                if (query.From > query.To) throw new FormatException($"from ({from}) is after to ({to})");
                if (query.Dominant is not null && !EmotionLabels.All.Contains(query.Dominant))
                    throw new FormatException($"dominant '{query.Dominant}' is not one of {string.Join(", ", EmotionLabels.All)}");
                if (!SqlCallLog.CallSorts.ContainsKey(query.Sort.TrimStart('-')) || query.Sort.StartsWith("--", StringComparison.Ordinal))
                    throw new FormatException($"sort '{query.Sort}' is not one of {string.Join(", ", SqlCallLog.CallSorts.Keys)} (prefix '-' for descending)");
                return Results.Ok(log.ListCalls(query));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new ApiError("bad_query", e.Message));
            }
        }).WithSummary("List calls: a phone call's tracks together, one-session calls alone").WithDescription(
            "Newest first by default. A call groups its sessions: a Twilio call's inbound (caller) and outbound (agent) tracks, an " +
            "AudioSocket call, or one mic/replay/upload session (its callId is then the session id). Filters: `from`/`to` (ISO 8601, on " +
            "the call's start), `source`, `dominant` (the call's: most speech time over all tracks), `minAngryShare`/`minNegativeShare` " +
            "(0–1, of the call's speech time), `label`, `agent`, `queue` (exact), `owner` (supervisors only). `sort`: " +
            "startedAt, endedAt, speechSeconds, negativeShare, angryShare, alerts, source, label, agent, queue; '-' first for descending " +
            "(default -startedAt). `limit` 1–1000 (50), `offset` (0).")
            .WithQueryValues("sort", SqlCallLog.CallSorts.Keys.SelectMany(k => new[] { k, "-" + k }))
            .WithQueryValues("dominant", EmotionLabels.All)
            .Produces<CallPage>().ProducesError(StatusCodes.Status400BadRequest, "bad_query");
        calls.MapGet("/{callId}", (string callId, ClaimsPrincipal user, SqlCallLog log) =>
            log.GetCall(callId) is { } call && user.MaySee(call.Owner) ? Results.Ok(new CallDetails(call, log.CallAlerts(callId))) : CallNotFound(callId))
            .WithSummary("One call: its tracks with their roles and summaries, and its alerts")
            .WithDescription("Each track's timeline is at /api/sessions/{sessionId}/timeline.")
            .Produces<CallDetails>().ProducesError(StatusCodes.Status404NotFound, "not_found");
        calls.MapDelete("/{callId}", (string callId, SqlCallLog log) => log.DeleteCall(callId) ? Results.NoContent() : CallNotFound(callId))
            .RequireAuthorization(Roles.AdminPolicy)
            .WithSummary("Delete a call: every track with its updates and alerts")
            .Produces(StatusCodes.Status204NoContent).ProducesError(StatusCodes.Status404NotFound, "not_found");

        app.MapGet("/api/stats", (string? from, string? to, string? bucket, string? groupBy, ClaimsPrincipal user, SqlCallLog log) =>
        {
            try
            {
                string bucketName = Nullable(bucket) ?? "hour";
                long bucketMs = bucketName switch
                {
                    "hour" => 3_600_000,
                    "day" => 86_400_000,
                    _ => throw new FormatException($"bucket '{bucket}' is not hour or day"),
                };
                string group = Nullable(groupBy) ?? "source";
                if (!SqlCallLog.StatsGroups.Contains(group))
                    throw new FormatException($"groupBy '{groupBy}' is not one of {string.Join(", ", SqlCallLog.StatsGroups)}");
                var end = Time(to) ?? DateTimeOffset.UtcNow;
                var start = Time(from) ?? end.AddMilliseconds(-bucketMs * (bucketName == "hour" ? 24 : 30));
                if (start >= end) throw new FormatException($"from ({start:O}) must be before to ({end:O})");
                if ((end - start).TotalMilliseconds / bucketMs > MaxBuckets)
                    throw new FormatException($"from–to spans more than {MaxBuckets} buckets of a {bucketName}: narrow the range or use bucket=day");
                return Results.Ok(log.Stats(new StatsQuery(start, end, bucketMs, group, user.CanSupervise() ? null : user.Owner()), bucketName));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new ApiError("bad_query", e.Message));
            }
        }).RequireAuthorization().WithTags(OpenApiSetup.LogTag)
            .WithSummary("Trends: calls, speech, emotion shares and alerts per hour or day")
            .WithDescription(
                "Buckets of UTC hours or days (`bucket`, default hour) between `from` and `to` (ISO 8601; default the last 24 hours, " +
                "or 30 days by day), one per value of `groupBy` (source (default), label, agent, queue; null when a call has none) " +
                "that has calls or alerts. `calls`: calls that started in the bucket; `speechSeconds` and `share` (label → fraction " +
                "of their speech time, all tracks) and `negativeShare` (sad + angry + fearful + disgust) over those calls; " +
                "`alerts`: alerts raised in the bucket. Buckets without either are left out. A client counts only its own calls.")
            .WithQueryValues("bucket", "hour", "day").WithQueryValues("groupBy", SqlCallLog.StatsGroups)
            .Produces<StatsResult>().ProducesError(StatusCodes.Status400BadRequest, "bad_query");
        return app;
    }

    private static IResult CallNotFound(string callId) => Results.NotFound(new ApiError("not_found", $"no call '{callId}' in the log"));

    private static double? Share(string? s, string name) => Number(s, name) is { } v
        ? v <= 1 ? v : throw new FormatException($"{name} must be between 0 and 1, not '{s}'")
        : null;

    private static int Count(string? s, string name, int fallback, int min, int max) => Nullable(s) is null ? fallback
        : int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v
        : throw new FormatException($"{name} must be a whole number from {min} to {max}, not '{s}'");
}

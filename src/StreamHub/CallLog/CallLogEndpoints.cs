using System.Globalization;
using System.Security.Claims;
using VoiceEmotion.StreamHub.Security;
using System.Text;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// REST API of the emotion log: GET /api/sessions (filters, paging), GET /api/sessions/{id} (metadata, summary,
/// alerts), GET /api/sessions/{id}/timeline, GET /api/sessions/{id}/export?format=csv|json, DELETE /api/sessions/{id}.
/// Every caller must be authenticated; a client reads only the sessions it owns (others answer 404, as if absent),
/// supervisors read all, only admins delete.
/// </summary>
public static class CallLogEndpoints
{
    public static IEndpointRouteBuilder MapCallLog(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sessions").RequireAuthorization().WithTags(OpenApiSetup.LogTag);
        // Query values arrive as text and are parsed here, so a bad one gets a message naming it (not a bare 400).
        api.MapGet("", (string? from, string? to, string? source, string? dominant, string? minAngryShare, string? minNegativeShare,
            string? owner, string? limit, string? offset, ClaimsPrincipal user, SqlCallLog log) =>
        {
            try
            {
                var query = new SessionQuery(
                    Time(from), Time(to), Nullable(source), Nullable(dominant),
                    Number(minAngryShare, "minAngryShare"), Number(minNegativeShare, "minNegativeShare"),
                    (int)(Number(limit, "limit") ?? 50), (int)(Number(offset, "offset") ?? 0),
                    user.CanSupervise() ? Nullable(owner) : user.Owner());
                if (query.Dominant is not null && EmotionLabels.IndexOf(query.Dominant) < 0)
                    return Results.BadRequest(new ApiError("bad_query", $"dominant '{query.Dominant}' is not one of {string.Join(", ", EmotionLabels.All)}"));
                return Results.Ok(log.List(query));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new ApiError("bad_query", e.Message));
            }
        }).WithSummary("List logged sessions").WithDescription(
            "Newest first. `from`/`to`: ISO 8601 bounds on the start time; `source`: hub, mic, replay, upload, twilio, audiosocket…; " +
            "`dominant`: a label; `minAngryShare`/`minNegativeShare` (sad + angry + fearful + disgust): 0–1 share of speech time; " +
            "`owner`: supervisors only (a client always gets its own sessions); `limit` (default 50), `offset` (default 0).")
            .Produces<SessionPage>().ProducesError(StatusCodes.Status400BadRequest, "bad_query");
        api.MapGet("/{id}", (string id, ClaimsPrincipal user, SqlCallLog log) =>
            Visible(log, id, user) is { } s ? Results.Ok(new SessionDetails(s, log.Alerts(id))) : NotFound(id))
            .WithSummary("One session: metadata, summary and alerts")
            .Produces<SessionDetails>().ProducesError(StatusCodes.Status404NotFound, "not_found");
        api.MapGet("/{id}/timeline", (string id, ClaimsPrincipal user, SqlCallLog log) =>
            Visible(log, id, user) is null ? NotFound(id) : Results.Ok(log.Timeline(id)))
            .WithSummary("A session's updates in order").WithDescription("`windowSeconds` is not stored: it reads 0.")
            .Produces<EmotionUpdateMessage[]>().ProducesError(StatusCodes.Status404NotFound, "not_found");
        api.MapGet("/{id}/export", (string id, string? format, ClaimsPrincipal user, SqlCallLog log) =>
        {
            var session = Visible(log, id, user);
            if (session is null) return NotFound(id);
            var timeline = log.Timeline(id);
            if (format is null or "json")
                return Results.Json(new SessionExport(session, log.Alerts(id), timeline), contentType: "application/json");
            if (format != "csv") return Results.BadRequest(new ApiError("bad_query", $"format '{format}' is not csv or json"));
            var csv = new StringBuilder("seq,audio_time_s,speech,voiced_fraction,");
            csv.Append(string.Join(",", EmotionLabels.All.Select(l => "p_" + l))).Append(",top,confidence,arousal,valence,loudness_db,pitch_hz\n");
            foreach (var u in timeline)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{u.Seq},{u.AudioTime:0.###},{(u.Speech ? 1 : 0)},{u.VoicedFraction:0.####},");
                csv.Append(string.Join(",", EmotionLabels.All.Select(l => u.Probabilities[l].ToString("0.######", CultureInfo.InvariantCulture))));
                csv.Append(CultureInfo.InvariantCulture, $",{u.Top},{u.Confidence:0.####},{u.Arousal:0.####},{u.Valence:0.####},{u.LoudnessDb:0.##},{u.PitchHz:0.#}\n");
            }
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", $"session-{id}.csv");
        }).WithSummary("Export a session as CSV or JSON").WithDescription(
            "`format=json` (default): `{session, alerts, timeline}`. `format=csv`: one row per update: " +
            "seq,audio_time_s,speech,voiced_fraction,p_neutral…p_surprised,top,confidence,arousal,valence,loudness_db,pitch_hz.")
            .Produces<SessionExport>(StatusCodes.Status200OK, "application/json", "text/csv")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // One 200 with two bodies: JSON is SessionExport, CSV is text.
                if (operation.Responses?["200"].Content?.TryGetValue("text/csv", out var csv) == true)
                    csv.Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String };
                return Task.CompletedTask;
            })
            .ProducesError(StatusCodes.Status400BadRequest, "bad_query").ProducesError(StatusCodes.Status404NotFound, "not_found");
        api.MapDelete("/{id}", (string id, SqlCallLog log) => log.Delete(id) ? Results.NoContent() : NotFound(id))
            .RequireAuthorization(Roles.AdminPolicy)
            .WithSummary("Delete a session with its updates and alerts")
            .Produces(StatusCodes.Status204NoContent).ProducesError(StatusCodes.Status404NotFound, "not_found");
        return app;
    }

    /// <summary>The session if it exists and this caller may see it (a client's view of another's session is "absent").</summary>
    private static SessionRecord? Visible(SqlCallLog log, string id, ClaimsPrincipal user) =>
        log.Get(id) is { } s && user.MaySee(s.Owner) ? s : null;

    private static IResult NotFound(string id) => Results.NotFound(new ApiError("not_found", $"no session '{id}' in the log"));

    internal static string? Nullable(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    internal static DateTimeOffset? Time(string? s) => Nullable(s) is null ? null
        : DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : throw new FormatException($"'{s}' is not a date-time (use ISO 8601, e.g. 2026-11-24T09:00:00Z)");

    internal static double? Number(string? s, string name) => Nullable(s) is null ? null
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
        : throw new FormatException($"{name} must be a non-negative number, not '{s}'");
}

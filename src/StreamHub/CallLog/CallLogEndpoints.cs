using System.Globalization;
using System.Security.Claims;
using VoiceEmotion.StreamHub.Security;
using System.Text;
using VoiceEmotion.Pipeline.Inference;

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
        var api = app.MapGroup("/api/sessions").RequireAuthorization();
        api.MapGet("", (HttpRequest request, ClaimsPrincipal user, SqlCallLog log) =>
        {
            var q = request.Query;
            try
            {
                var query = new SessionQuery(
                    Time(q["from"]), Time(q["to"]), Nullable(q["source"]), Nullable(q["dominant"]),
                    Number(q["minAngryShare"], "minAngryShare"), Number(q["minNegativeShare"], "minNegativeShare"),
                    (int)(Number(q["limit"], "limit") ?? 50), (int)(Number(q["offset"], "offset") ?? 0),
                    user.CanSupervise() ? Nullable(q["owner"]) : user.Owner());
                if (query.Dominant is not null && EmotionLabels.IndexOf(query.Dominant) < 0)
                    return Results.BadRequest(new { error = "bad_query", message = $"dominant '{query.Dominant}' is not one of {string.Join(", ", EmotionLabels.All)}" });
                return Results.Ok(log.List(query));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new { error = "bad_query", message = e.Message });
            }
        });
        api.MapGet("/{id}", (string id, ClaimsPrincipal user, SqlCallLog log) =>
            Visible(log, id, user) is { } s ? Results.Ok(new { session = s, alerts = log.Alerts(id) }) : NotFound(id));
        api.MapGet("/{id}/timeline", (string id, ClaimsPrincipal user, SqlCallLog log) =>
            Visible(log, id, user) is null ? NotFound(id) : Results.Ok(log.Timeline(id)));
        api.MapGet("/{id}/export", (string id, string? format, ClaimsPrincipal user, SqlCallLog log) =>
        {
            var session = Visible(log, id, user);
            if (session is null) return NotFound(id);
            var timeline = log.Timeline(id);
            if (format is null or "json")
                return Results.Json(new { session, alerts = log.Alerts(id), timeline }, contentType: "application/json");
            if (format != "csv") return Results.BadRequest(new { error = "bad_query", message = $"format '{format}' is not csv or json" });
            var csv = new StringBuilder("seq,audio_time_s,speech,voiced_fraction,");
            csv.Append(string.Join(",", EmotionLabels.All.Select(l => "p_" + l))).Append(",top,confidence,arousal,valence,loudness_db,pitch_hz\n");
            foreach (var u in timeline)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{u.Seq},{u.AudioTime:0.###},{(u.Speech ? 1 : 0)},{u.VoicedFraction:0.####},");
                csv.Append(string.Join(",", EmotionLabels.All.Select(l => u.Probabilities[l].ToString("0.######", CultureInfo.InvariantCulture))));
                csv.Append(CultureInfo.InvariantCulture, $",{u.Top},{u.Confidence:0.####},{u.Arousal:0.####},{u.Valence:0.####},{u.LoudnessDb:0.##},{u.PitchHz:0.#}\n");
            }
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", $"session-{id}.csv");
        });
        api.MapDelete("/{id}", (string id, SqlCallLog log) => log.Delete(id) ? Results.NoContent() : NotFound(id))
            .RequireAuthorization(Roles.AdminPolicy);
        return app;
    }

    /// <summary>The session if it exists and this caller may see it (a client's view of another's session is "absent").</summary>
    private static SessionRecord? Visible(SqlCallLog log, string id, ClaimsPrincipal user) =>
        log.Get(id) is { } s && user.MaySee(s.Owner) ? s : null;

    private static IResult NotFound(string id) => Results.NotFound(new { error = "not_found", message = $"no session '{id}' in the log" });

    private static string? Nullable(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static DateTimeOffset? Time(string? s) => Nullable(s) is null ? null
        : DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : throw new FormatException($"'{s}' is not a date-time (use ISO 8601, e.g. 2026-11-24T09:00:00Z)");

    private static double? Number(string? s, string name) => Nullable(s) is null ? null
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
        : throw new FormatException($"{name} must be a non-negative number, not '{s}'");
}

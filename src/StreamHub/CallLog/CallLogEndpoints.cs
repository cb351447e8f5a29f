using System.Globalization;
using System.Text;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.StreamHub.CallLog;

/// <summary>
/// REST API of the emotion log: GET /api/sessions (filters, paging), GET /api/sessions/{id} (metadata, summary,
/// alerts), GET /api/sessions/{id}/timeline, GET /api/sessions/{id}/export?format=csv|json, DELETE /api/sessions/{id}.
/// </summary>
public static class CallLogEndpoints
{
    public static IEndpointRouteBuilder MapCallLog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sessions", (HttpRequest request, SqlCallLog log) =>
        {
            var q = request.Query;
            try
            {
                var query = new SessionQuery(
                    Time(q["from"]), Time(q["to"]), Nullable(q["source"]), Nullable(q["dominant"]),
                    Number(q["minAngryShare"], "minAngryShare"), Number(q["minNegativeShare"], "minNegativeShare"),
                    (int)(Number(q["limit"], "limit") ?? 50), (int)(Number(q["offset"], "offset") ?? 0));
                if (query.Dominant is not null && EmotionLabels.IndexOf(query.Dominant) < 0)
                    return Results.BadRequest(new { error = "bad_query", message = $"dominant '{query.Dominant}' is not one of {string.Join(", ", EmotionLabels.All)}" });
                return Results.Ok(log.List(query));
            }
            catch (FormatException e)
            {
                return Results.BadRequest(new { error = "bad_query", message = e.Message });
            }
        });
        app.MapGet("/api/sessions/{id}", (string id, SqlCallLog log) =>
            log.Get(id) is { } s ? Results.Ok(new { session = s, alerts = log.Alerts(id) }) : NotFound(id));
        app.MapGet("/api/sessions/{id}/timeline", (string id, SqlCallLog log) =>
            log.Get(id) is null ? NotFound(id) : Results.Ok(log.Timeline(id)));
        app.MapGet("/api/sessions/{id}/export", (string id, string? format, SqlCallLog log) =>
        {
            var session = log.Get(id);
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
        app.MapDelete("/api/sessions/{id}", (string id, SqlCallLog log) => log.Delete(id) ? Results.NoContent() : NotFound(id));
        return app;
    }

    private static IResult NotFound(string id) => Results.NotFound(new { error = "not_found", message = $"no session '{id}' in the log" });

    private static string? Nullable(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static DateTimeOffset? Time(string? s) => Nullable(s) is null ? null
        : DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : throw new FormatException($"'{s}' is not a date-time (use ISO 8601, e.g. 2026-11-24T09:00:00Z)");

    private static double? Number(string? s, string name) => Nullable(s) is null ? null
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
        : throw new FormatException($"{name} must be a non-negative number, not '{s}'");
}

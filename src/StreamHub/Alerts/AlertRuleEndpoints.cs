using System.Security.Claims;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Security;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// /api/alert-rules: the rules in force, stored in the log database. Supervisors read them; admins create, replace and
/// delete them. A change is in force on this node when the answer is sent (on other nodes within
/// <see cref="AlertOptions.RulesRefreshSeconds"/>), for live sessions from their next update.
/// </summary>
public static class AlertRuleEndpoints
{
    public static IEndpointRouteBuilder MapAlertRules(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api/alert-rules").WithTags(OpenApiSetup.AlertRulesTag);
        rules.MapGet("", (SqlCallLog log) => Results.Ok(log.AlertRules()))
            .RequireAuthorization(Roles.SupervisePolicy)
            .WithSummary("The alert rules in force").WithDescription("Sorted by name. Each fires once per episode: `emotion`'s probability ≥ " +
                "`threshold` over consecutive speech updates spanning ≥ `sustainedSeconds`, on sessions whose label is `scopeLabel` and " +
                "whose queue is `scopeQueue` (null: any).")
            .Produces<AlertRuleRecord[]>();
        rules.MapGet("/{name}", (string name, SqlCallLog log) =>
                log.AlertRules().FirstOrDefault(r => r.Name == name) is { } rule ? Results.Ok(rule) : RuleNotFound(name))
            .RequireAuthorization(Roles.SupervisePolicy)
            .WithSummary("One alert rule")
            .Produces<AlertRuleRecord>().ProducesError(StatusCodes.Status404NotFound, "not_found");
        rules.MapPost("", async (HttpRequest request, ClaimsPrincipal user, SqlCallLog log, AlertRuleBook book) =>
            {
                var (rule, problem) = await ReadAsync(request, null);
                if (rule is null) return Results.BadRequest(new ApiError("bad_rule", problem!));
                rule = rule with { UpdatedAt = Now(), UpdatedBy = user.Owner() };
                if (!log.CreateAlertRule(rule))
                    return Results.Conflict(new ApiError("rule_exists", $"a rule named '{rule.Name}' exists: PUT /api/alert-rules/{rule.Name} replaces it"));
                book.Set(log.AlertRules());
                return Results.Created($"/api/alert-rules/{rule.Name}", rule);
            })
            .RequireAuthorization(Roles.AdminPolicy)
            .Accepts<AlertRuleInput>("application/json")
            .WithSummary("Create an alert rule").WithDescription("In force for live sessions from their next update.")
            .Produces<AlertRuleRecord>(StatusCodes.Status201Created)
            .WithResponseHeader(StatusCodes.Status201Created, "Location", "The new rule's path, /api/alert-rules/{name}.", Microsoft.OpenApi.JsonSchemaType.String)
            .ProducesError(StatusCodes.Status400BadRequest, "bad_rule").ProducesError(StatusCodes.Status409Conflict, "rule_exists");
        rules.MapPut("/{name}", async (string name, HttpRequest request, ClaimsPrincipal user, SqlCallLog log, AlertRuleBook book) =>
            {
                var (rule, problem) = await ReadAsync(request, name);
                if (rule is null) return Results.BadRequest(new ApiError("bad_rule", problem!));
                rule = rule with { UpdatedAt = Now(), UpdatedBy = user.Owner() };
                if (!log.ReplaceAlertRule(rule)) return RuleNotFound(name);
                book.Set(log.AlertRules());
                return Results.Ok(rule);
            })
            .RequireAuthorization(Roles.AdminPolicy)
            .Accepts<AlertRuleInput>("application/json")
            .WithSummary("Replace an alert rule").WithDescription(
                "The body's `name` may be left out; when given it must be the path's (a rule is not renamed). Live sessions follow the " +
                "edited rule from their next update, starting a new episode.")
            .Produces<AlertRuleRecord>()
            .ProducesError(StatusCodes.Status400BadRequest, "bad_rule").ProducesError(StatusCodes.Status404NotFound, "not_found");
        rules.MapDelete("/{name}", (string name, SqlCallLog log, AlertRuleBook book) =>
            {
                if (!log.DeleteAlertRule(name)) return RuleNotFound(name);
                book.Set(log.AlertRules());
                return Results.NoContent();
            })
            .RequireAuthorization(Roles.AdminPolicy)
            .WithSummary("Delete an alert rule")
            .Produces(StatusCodes.Status204NoContent).ProducesError(StatusCodes.Status404NotFound, "not_found");
        return app;
    }

    private static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static async Task<(AlertRuleRecord? Rule, string? Problem)> ReadAsync(HttpRequest request, string? name)
    {
        if (request.HasJsonContentType() is false) return (null, $"the body must be JSON (Content-Type: application/json), was '{request.ContentType}'");
        using var reader = new StreamReader(request.Body);
        // A rule is a few hundred bytes; a huge body is refused rather than read.
        var buffer = new char[16 * 1024 + 1];
        int read = await reader.ReadBlockAsync(buffer.AsMemory(), request.HttpContext.RequestAborted);
        if (read > 16 * 1024) return (null, "the body is over 16 KiB: an alert rule is a small JSON object");
        var (input, problem) = AlertRuleInput.Parse(new string(buffer, 0, read));
        return input is null ? (null, problem) : input.Validate(name);
    }

    private static IResult RuleNotFound(string name) => Results.NotFound(new ApiError("not_found", $"no alert rule named '{name}'"));
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Observability;
using VoiceEmotion.StreamHub.PhoneBridge;
using VoiceEmotion.StreamHub.Security;

namespace VoiceEmotion.StreamHub.Api;

/// <summary>
/// The REST surface described as OpenAPI 3.1 at <c>/openapi/v1.json</c> and browsable at <c>/docs</c> (Scalar, its script
/// served from the package: no CDN). Route handlers describe themselves (tags, summaries, Produces, <see cref="ProducesError"/>);
/// this adds what endpoint metadata cannot say: the security schemes and who may call what, the endpoints that are not
/// route handlers (health checks, /metrics, the Twilio WebSocket) and the alert webhook. Both are open like /healthz:
/// the document holds no secrets, only the shape of the API.
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPattern = "/openapi/{documentName}.json";
    public const string ReferencePath = "/docs";
    public const string AnalysisTag = "Analysis", LogTag = "Emotion log", OperationsTag = "Operations", PhoneTag = "Phone bridges",
        WebhooksTag = "Webhooks", AlertRulesTag = "Alert rules";
    public const string ApiKeyScheme = "ApiKey", BearerScheme = "Bearer";

    public static IServiceCollection AddVoiceEmotionOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.AddDocumentTransformer(DescribeDocumentAsync);
            o.AddOperationTransformer(DescribeOperationAsync);
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example)) schema.Examples = [JsonNode.Parse(example)!];
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapVoiceEmotionDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPattern).AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("VoiceEmotion API")
            .WithOpenApiRoutePattern(DocumentPattern)
            .DisableDefaultFonts()   // its fonts come from a CDN; the page must work offline
            .DisableTelemetry()
            .AddPreferredSecuritySchemes(ApiKeyScheme)).AllowAnonymous();
        return app;
    }

    /// <summary>Documents an error response: the <see cref="ApiError"/> body and the stable codes it may carry.</summary>
    public static RouteHandlerBuilder ProducesError(this RouteHandlerBuilder builder, int status, params string[] codes) =>
        builder.Produces<ApiError>(status).WithMetadata(new ErrorCodes(status, codes));

    /// <summary>Documents the values a text query parameter accepts (it is parsed by the handler, so a bad one gets a 400
    /// naming it rather than the framework's bare one).</summary>
    public static RouteHandlerBuilder WithQueryValues(this RouteHandlerBuilder builder, string name, params IEnumerable<string> values) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Parameters?.FirstOrDefault(p => p.Name == name) is OpenApiParameter parameter)
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = values.Select(v => (JsonNode)JsonValue.Create(v)).ToList() };
            return Task.CompletedTask;
        });

    /// <summary>Endpoint metadata: the <c>error</c> codes a response with this status may carry.</summary>
    public sealed record ErrorCodes(int Status, string[] Codes);

    /// <summary>Documents a header the response with <paramref name="status"/> carries (e.g. Location on 202, Retry-After on 429);
    /// the response itself must be declared too (Produces, <see cref="ProducesError"/>).</summary>
    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder builder, int status, string name, string description,
        JsonSchemaType type, string? format = null) =>
        builder.WithMetadata(new ResponseHeader(status, name, description, type, format));

    /// <summary>Endpoint metadata: a header sent with the response of this status.</summary>
    public sealed record ResponseHeader(int Status, string Name, string Description, JsonSchemaType Type, string? Format);

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(EmotionUpdateMessage)] = """
            {"sessionId":"5f0c6d1e9a8b4c2d","seq":11,"audioTime":6.0,"windowSeconds":3.0,"speech":true,"voicedFraction":0.62,
             "probabilities":{"neutral":0.21,"happy":0.04,"sad":0.05,"angry":0.58,"fearful":0.06,"disgust":0.04,"surprised":0.02},
             "top":"angry","confidence":0.58,"arousal":0.52,"valence":-0.45,"loudnessDb":-18.4,"pitchHz":212.5}
            """,
        [typeof(AlertMessage)] = """
            {"alertId":"b7e4c0f2a1d94e6f","sessionId":"5f0c6d1e9a8b4c2d","rule":"angry-sustained","label":"angry","startTime":12.5,
             "sustainedSeconds":5.0,"meanProbability":0.71,"source":"twilio","callId":"CA1234","track":"inbound","raisedAt":"2026-12-01T09:30:12Z"}
            """,
        [typeof(ApiError)] = """{"error":"bad_audio","message":"not a WAV file: it does not start with 'RIFF'"}""",
    };

    private static readonly Dictionary<string, string> RoleText = new()
    {
        [Roles.StreamPolicy] = "the client role",
        [Roles.SupervisePolicy] = "the supervisor or admin role",
        [Roles.AdminPolicy] = "the admin role",
    };

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];
        foreach (var codes in metadata.OfType<ErrorCodes>())
            if (operation.Responses.TryGetValue(codes.Status.ToString(), out var response) && response is OpenApiResponse r)
            {
                r.Description = $"`error` is {string.Join(" or ", codes.Codes.Select(c => $"`{c}`"))}; `message` names the problem.";
                if (r.Content?.TryGetValue("application/json", out var media) == true)
                    media.Example = new JsonObject { ["error"] = codes.Codes[0], ["message"] = "…" };
            }
        foreach (var header in metadata.OfType<ResponseHeader>())
        {
            if (!operation.Responses.TryGetValue(header.Status.ToString(), out var response) || response is not OpenApiResponse r)
                throw new InvalidOperationException($"{context.Description.RelativePath}: header {header.Name} documented for {header.Status}, a response not declared");
            r.Headers ??= new Dictionary<string, IOpenApiHeader>();
            r.Headers[header.Name] = new OpenApiHeader
            {
                Description = header.Description,
                Required = true,
                Schema = new OpenApiSchema { Type = header.Type, Format = header.Format },
            };
        }
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0 || metadata.OfType<IAllowAnonymous>().Any()) return;
        var document = context.Document!;
        Task<IOpenApiSchema> ErrorSchema(CancellationToken c) => ComponentAsync(document, typeof(ApiError), t => context.GetOrCreateSchemaAsync(t, null, c));
        await RequireCredentialsAsync(operation, document, ErrorSchema, cancellationToken);
        var roles = authorize.Select(a => a.Policy ?? a.Roles).OfType<string>().Distinct().ToList();
        if (roles.Count == 0)
        {
            operation.Description = Paragraphs(operation.Description, "Any authenticated caller; a client sees only the sessions and jobs it owns (another's answer 404).");
            return;
        }
        operation.Description = Paragraphs(operation.Description, $"Needs {string.Join(" and ", roles.Select(r => RoleText.GetValueOrDefault(r, r)))}.");
        operation.Responses["403"] = await ErrorResponseAsync("The credentials lack the role this needs.", "forbidden", ErrorSchema, cancellationToken);
    }

    private static async Task RequireCredentialsAsync(OpenApiOperation operation, OpenApiDocument document,
        Func<CancellationToken, Task<IOpenApiSchema>> errorSchema, CancellationToken cancellationToken)
    {
        // Either scheme will do: two alternatives, not one requirement naming both.
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
        ];
        operation.Responses ??= [];
        operation.Responses["401"] = await ErrorResponseAsync("No credentials, or invalid ones (when `Auth` is configured).", "unauthorized", errorSchema, cancellationToken);
    }

    private static async Task<OpenApiResponse> ErrorResponseAsync(string description, string code,
        Func<CancellationToken, Task<IOpenApiSchema>> errorSchema, CancellationToken cancellationToken) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new() { Schema = await errorSchema(cancellationToken), Example = new JsonObject { ["error"] = code, ["message"] = "…" } },
        },
    };

    private static async Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "VoiceEmotion API",
            Version = DocumentName,
            Description = "Real-time speech emotion. This document covers the HTTP surface; the live SignalR hub `/hubs/emotion`, " +
                "the phone bridges, every field and unit and the alert webhooks are described in docs/PROTOCOL.md. " +
                "With no `Auth` configured the server listens on localhost only and every local caller has every role; " +
                "otherwise send an API key (`X-Api-Key` or `Authorization: Bearer`) or a JWT (`Authorization: Bearer`).",
        };
        document.Components ??= new OpenApiComponents();
        Task<IOpenApiSchema> Schema(Type type, CancellationToken c) => ComponentAsync(document, type, t => context.GetOrCreateSchemaAsync(t, null, c));
        Task<IOpenApiSchema> ErrorSchema(CancellationToken c) => Schema(typeof(ApiError), c);
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                Description = "A key from `Auth:ApiKeys` (its roles decide what it may do). The same key is also accepted as `Authorization: Bearer <key>`.",
            },
            [BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                Description = "A JWT from `Auth:Jwt` (its `role` claim: client, supervisor, admin; `aud` = `Auth:Jwt:Audience`), or an API key.",
            },
        };
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = AnalysisTag, Description = "Whole files through the live pipeline." },
            new() { Name = LogTag, Description = "Every session, update, summary and alert from every door." },
            new() { Name = OperationsTag, Description = "Health checks for load balancers, Prometheus metrics." },
            new() { Name = PhoneTag, Description = "Telephony media streams (WebSocket)." },
            new() { Name = WebhooksTag, Description = "What this server POSTs to your URLs (`Alerts:Webhooks`)." },
        };

        document.Paths ??= [];
        document.Paths["/healthz/live"] = Get(Operation(OperationsTag, "Liveness: 200 while the process answers",
            ("200", new OpenApiResponse { Description = "The process answers.", Content = Text("text/plain", "Healthy") })));
        document.Paths["/healthz/ready"] = Get(Operation(OperationsTag, "Readiness: the model, the emotion log's database and (scaled out) Redis",
            ("200", new OpenApiResponse
            {
                Description = "`Healthy`, or `Degraded` while the database or Redis is away (the node still serves and catches up).",
                Content = Json(await Schema(typeof(ReadinessReport), cancellationToken)),
            }),
            ("503", new OpenApiResponse
            {
                Description = "`Unhealthy`: the model is not usable or over 100,000 log entries wait; take no new load.",
                Content = Json(await Schema(typeof(ReadinessReport), cancellationToken)),
            })));

        var metrics = Operation(OperationsTag, "Prometheus metrics",
            ("200", new OpenApiResponse { Description = "Prometheus text exposition format.", Content = Text("text/plain", "voiceemotion_sessions_active 3") }));
        metrics.Description = "Needs the supervisor or admin role.";
        await RequireCredentialsAsync(metrics, document, ErrorSchema, cancellationToken);
        metrics.Responses!["403"] = await ErrorResponseAsync("The credentials lack the supervisor role.", "forbidden", ErrorSchema, cancellationToken);
        document.Paths["/metrics"] = Get(metrics);

        var twilioPath = context.ApplicationServices.GetRequiredService<IOptions<PhoneBridgeOptions>>().Value.TwilioPath;
        var twilio = Operation(PhoneTag, "Twilio Media Streams (WebSocket upgrade)",
            ("101", new OpenApiResponse { Description = "Switching to WebSocket: Twilio's JSON events (docs/PROTOCOL.md, \"Twilio Media Streams\")." }),
            ("400", await ErrorResponseAsync("`error` is `not_websocket`: not a WebSocket request.", "not_websocket", ErrorSchema, cancellationToken)));
        twilio.Description = "Needs the client role: on the upgrade (header or `?access_token=`) or as `<Parameter name=\"token\">`, checked at `start`.";
        await RequireCredentialsAsync(twilio, document, ErrorSchema, cancellationToken);
        document.Paths[twilioPath] = Get(twilio);

        document.Webhooks = new Dictionary<string, IOpenApiPathItem> { ["alert"] = await AlertWebhookAsync(await Schema(typeof(AlertMessage), cancellationToken)) };
    }

    /// <summary>A reference to the component schema of <paramref name="type"/>, adding it if no endpoint has.</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiDocument document, Type type, Func<Type, Task<OpenApiSchema>> create)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(type.Name)) document.Components.Schemas[type.Name] = await create(type);
        return new OpenApiSchemaReference(type.Name, document);
    }

    private static Task<OpenApiPathItem> AlertWebhookAsync(IOpenApiSchema alertSchema)
    {
        var hook = Operation(WebhooksTag, "An alert, POSTed to each URL in `Alerts:Webhooks`",
            ("200", new OpenApiResponse { Description = "Any 2xx: delivered. Anything else, or no answer within the timeout: retried with backoff." }));
        hook.Description = "Signed with HMAC-SHA256 over `{timestamp}.{body}`; verification snippets and the retry policy in docs/PROTOCOL.md.";
        hook.Parameters =
        [
            Header(Alerts.WebhookSender.IdHeader, "The alert id: the same on every retry (deduplicate on it)."),
            Header(Alerts.WebhookSender.TimestampHeader, "Unix seconds when this attempt was signed (reject old ones)."),
            Header(Alerts.WebhookSender.SignatureHeader, "`sha256=` + lower-case hex HMAC-SHA256 of `{timestamp}.{body}` under the webhook's secret."),
        ];
        hook.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = Json(alertSchema),
        };
        return Task.FromResult(new OpenApiPathItem { Operations = new() { [HttpMethod.Post] = hook } });
    }

    private static string Paragraphs(string? first, string second) => string.IsNullOrEmpty(first) ? second : first + "\n\n" + second;

    private static OpenApiParameter Header(string name, string description) =>
        new() { Name = name, In = ParameterLocation.Header, Required = true, Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };

    private static OpenApiOperation Operation(string tag, string summary, params (string Status, OpenApiResponse Response)[] responses)
    {
        var operation = new OpenApiOperation { Summary = summary, Tags = new HashSet<OpenApiTagReference> { new(tag) }, Responses = [] };
        foreach (var (status, response) in responses) operation.Responses[status] = response;
        return operation;
    }

    private static OpenApiPathItem Get(OpenApiOperation operation) => new() { Operations = new() { [HttpMethod.Get] = operation } };

    private static Dictionary<string, OpenApiMediaType> Json(IOpenApiSchema schema) => new() { ["application/json"] = new() { Schema = schema } };

    private static Dictionary<string, OpenApiMediaType> Text(string contentType, string example) =>
        new() { [contentType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = example } };
}

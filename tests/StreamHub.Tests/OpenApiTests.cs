using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Api;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>The OpenAPI document describes every HTTP endpoint the server really maps, and the reference page works offline.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task EveryMappedEndpointIsInTheDocument()
    {
        await using var server = await HubServer.StartAsync();
        var (checkedEndpoints, skipped, missing) = await CompareAsync(server);

        Assert.True(missing.Count == 0, "mapped but not in /openapi/v1.json: " + string.Join("; ", missing));
        Assert.Contains("/hubs/emotion", skipped);
        foreach (var known in new[] { "POST /api/analyze", "GET /api/jobs/{id}", "GET /api/sessions", "GET /api/sessions/{id}", "GET /api/sessions/{id}/timeline",
                     "GET /api/sessions/{id}/export", "DELETE /api/sessions/{id}", "GET /healthz", "GET /healthz/live", "GET /healthz/ready", "GET /metrics", "GET /phone/twilio",
                     "GET /api/calls", "GET /api/calls/{callId}", "DELETE /api/calls/{callId}", "GET /api/stats", "GET /api/alert-rules", "GET /api/alert-rules/{name}",
                     "POST /api/alert-rules", "PUT /api/alert-rules/{name}", "DELETE /api/alert-rules/{name}" })
            Assert.Contains(known, checkedEndpoints);
    }

    [Fact]
    public async Task AnEndpointMappedWithoutADescriptionIsReportedMissing()
    {
        // The two ways an endpoint escapes the document: not a route handler (as health checks are), or excluded.
        await using var server = await HubServer.StartAsync(map: app =>
        {
            app.MapHealthChecks("/healthz/undescribed");
            app.MapGet("/api/undescribed", () => "x").ExcludeFromDescription();
        });
        var (checkedEndpoints, _, missing) = await CompareAsync(server);

        Assert.Contains("GET /healthz/undescribed", checkedEndpoints);
        Assert.Equal(["GET /api/undescribed", "GET /healthz/undescribed"], missing.Select(m => m[..m.IndexOf(" (", StringComparison.Ordinal)]).Order());
    }

    /// <summary>Every endpoint the app maps (path and method) against the paths of its /openapi/v1.json.</summary>
    private static async Task<(List<string> Checked, List<string> Skipped, List<string> Missing)> CompareAsync(HubServer server)
    {
        using var http = server.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");

        var checkedEndpoints = new List<string>();
        var skipped = new List<string>();
        var missing = new List<string>();
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var path = OpenApiPath(endpoint.RoutePattern);
            if (path.StartsWith("/hubs/", StringComparison.Ordinal) || path.StartsWith("/openapi/", StringComparison.Ordinal) || path.StartsWith("/docs", StringComparison.Ordinal))
            {
                skipped.Add(path); // the SignalR hub (PROTOCOL.md) and the documentation itself
                continue;
            }
            // An endpoint mapped for every method (health checks, /metrics, the Twilio WebSocket) is used with GET.
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                checkedEndpoints.Add($"{method} {path}");
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out _))
                    missing.Add($"{method} {path} ({endpoint.DisplayName})");
            }
        }
        return (checkedEndpoints, skipped, missing);
    }

    [Fact]
    public async Task TheJobsApiAndTheUploadLimitAreDescribedAsTheServerAnswers()
    {
        await using var server = await HubServer.StartAsync(o => { o.MaxConcurrentUploads = 1; o.MaxAnalysisJobs = 1; });
        using var http = server.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var analyze = root.GetProperty("paths").GetProperty("/api/analyze").GetProperty("post");
        var job = root.GetProperty("paths").GetProperty("/api/jobs/{id}").GetProperty("get");
        foreach (var operation in new[] { analyze, job })
        {
            Assert.Equal(["Analysis"], operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
        }
        var mode = Assert.Single(analyze.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "mode");
        Assert.Equal("query", mode.GetProperty("in").GetString());
        Assert.Equal(["sync", "job"], mode.GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));

        var responses = analyze.GetProperty("responses");
        Assert.Equal("#/components/schemas/AnalyzeResponse", SchemaRef(responses.GetProperty("200")));
        var accepted = responses.GetProperty("202");
        Assert.Equal("#/components/schemas/AnalysisJobStatus", SchemaRef(accepted));
        Assert.True(accepted.GetProperty("headers").TryGetProperty("Location", out _), "202 lacks its Location header");
        foreach (var (status, codes) in new[] { ("400", new[] { "bad_mode", "not_multipart", "no_file", "bad_multipart", "bad_audio" }),
                     ("413", ["file_too_large"]), ("429", ["too_many_uploads"]) })
        {
            Assert.Equal("#/components/schemas/ApiError", SchemaRef(responses.GetProperty(status)));
            foreach (var code in codes) Assert.Contains($"`{code}`", responses.GetProperty(status).GetProperty("description").GetString());
        }
        var retryAfter = responses.GetProperty("429").GetProperty("headers").GetProperty("Retry-After");
        Assert.Equal("integer", retryAfter.GetProperty("schema").GetProperty("type").GetString());
        var jobResponses = job.GetProperty("responses");
        Assert.Equal("#/components/schemas/AnalysisJobStatus", SchemaRef(jobResponses.GetProperty("200")));
        Assert.Contains("`job_not_found`", jobResponses.GetProperty("404").GetProperty("description").GetString());
        Assert.True(jobResponses.TryGetProperty("401", out _), "GET /api/jobs/{id} needs credentials when Auth is on");

        // What the server sends: a 202 whose body has exactly the documented fields and whose Location is the job's path.
        var statusFields = root.GetProperty("components").GetProperty("schemas").GetProperty("AnalysisJobStatus").GetProperty("properties")
            .EnumerateObject().Select(p => p.Name).Order().ToList();
        var wav = WavWriter.Write(TestAudio.Voice(8000, 2, seed: 5), 8000, WavSampleFormat.MuLaw);
        using var form = UploadBodies.Form(wav);
        using var created = await http.PostAsync("/api/analyze?mode=job", form);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        using var createdBody = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal(statusFields, createdBody.RootElement.EnumerateObject().Select(p => p.Name).Order().ToList());
        string jobId = createdBody.RootElement.GetProperty("jobId").GetString()!;
        Assert.Equal($"/api/jobs/{jobId}", created.Headers.Location!.OriginalString);
        for (int i = 0; i < 800; i++)
        {
            using var polled = JsonDocument.Parse(await http.GetStringAsync(created.Headers.Location));
            Assert.Equal(statusFields, polled.RootElement.EnumerateObject().Select(p => p.Name).Order().ToList());
            if (polled.RootElement.GetProperty("state").GetString() is "done" or "failed") break;
            await Task.Delay(25);
        }
        for (int i = 0; i < 800 && server.Services.GetRequiredService<UploadAnalyzer>().FreeSlots == 0; i++) await Task.Delay(25);

        using var unknown = await http.GetAsync("/api/jobs/0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("job_not_found", (await unknown.Content.ReadFromJsonAsync<ApiError>())!.Error);

        // While the one upload slot is held, an upload gets the documented 429 with the documented header.
        var sent = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var held = http.PostAsync("/api/analyze", await UploadBodies.HeldAsync(wav, sent, release.Task));
        await sent.Task;
        var uploads = server.Services.GetRequiredService<UploadAnalyzer>();
        for (int i = 0; i < 800 && uploads.FreeSlots > 0; i++) await Task.Delay(25);
        using var again = UploadBodies.Form(wav);
        using var refused = await http.PostAsync("/api/analyze", again);
        release.SetResult();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.TryParse(refused.Headers.GetValues("Retry-After").Single(), out _), "Retry-After is not the documented integer");
        Assert.Contains($"`{(await refused.Content.ReadFromJsonAsync<ApiError>())!.Error}`", responses.GetProperty("429").GetProperty("description").GetString());
        using var answered = await held;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    private static string? SchemaRef(JsonElement response) =>
        response.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();

    [Fact]
    public async Task TheDocumentDescribesSecurityErrorsAndWebhooksAsTheServerBehaves()
    {
        await using var server = await HubServer.StartAsync();
        using var http = server.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("apiKey", schemes.GetProperty("ApiKey").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());

        // Everything under /api and /metrics needs credentials; the health checks do not.
        foreach (var path in root.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                bool secured = operation.Value.TryGetProperty("security", out _);
                bool open = path.Name.StartsWith("/healthz", StringComparison.Ordinal);
                Assert.True(secured != open, $"{operation.Name} {path.Name}: security {(secured ? "listed" : "missing")}");
                if (secured) Assert.True(operation.Value.GetProperty("responses").TryGetProperty("401", out _), $"{operation.Name} {path.Name} lacks 401");
                Assert.True(operation.Value.TryGetProperty("summary", out _), $"{operation.Name} {path.Name} lacks a summary");
                Assert.True(operation.Value.TryGetProperty("tags", out _), $"{operation.Name} {path.Name} lacks a tag");
            }
        var delete = root.GetProperty("paths").GetProperty("/api/sessions/{id}").GetProperty("delete");
        Assert.Contains("admin", delete.GetProperty("responses").GetProperty("403").GetProperty("description").GetString() + delete.GetProperty("description").GetString());

        // The documented 400 of /api/analyze is what the server sends.
        var bad = root.GetProperty("paths").GetProperty("/api/analyze").GetProperty("post").GetProperty("responses").GetProperty("400");
        Assert.Equal("#/components/schemas/ApiError", bad.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        using var response = await http.PostAsync("/api/analyze", new StringContent("not a form"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["error", "message"], body.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Contains($"`{body.RootElement.GetProperty("error").GetString()}`", bad.GetProperty("description").GetString());
        var apiError = root.GetProperty("components").GetProperty("schemas").GetProperty("ApiError").GetProperty("properties");
        Assert.Equal(["error", "message"], apiError.EnumerateObject().Select(p => p.Name).ToArray());

        // The Twilio endpoint, not a route handler, answers a plain GET with the documented error too.
        var notSocket = root.GetProperty("paths").GetProperty("/phone/twilio").GetProperty("get").GetProperty("responses").GetProperty("400");
        Assert.Equal("#/components/schemas/ApiError", SchemaRef(notSocket));
        using var plainGet = await http.GetAsync("/phone/twilio");
        Assert.Equal(HttpStatusCode.BadRequest, plainGet.StatusCode);
        Assert.Contains($"`{(await plainGet.Content.ReadFromJsonAsync<ApiError>())!.Error}`", notSocket.GetProperty("description").GetString());

        var hook = root.GetProperty("webhooks").GetProperty("alert").GetProperty("post");
        Assert.Contains(hook.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "X-VoiceEmotion-Signature");
        Assert.Equal("#/components/schemas/AlertMessage",
            hook.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
    }

    [Fact]
    public async Task CallsStatsAndAlertRulesAreDescribedWithTheirBodiesRolesAndErrors()
    {
        await using var server = await HubServer.StartAsync();
        using var http = server.Http();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        foreach (var (path, method, tag, ok, schema, errors) in new (string, string, string, string, string?, (string Status, string Code)[])[]
                 {
                     ("/api/calls", "get", "Emotion log", "200", "CallPage", [("400", "bad_query")]),
                     ("/api/calls/{callId}", "get", "Emotion log", "200", "CallDetails", [("404", "not_found")]),
                     ("/api/calls/{callId}", "delete", "Emotion log", "204", null, [("404", "not_found"), ("403", "forbidden")]),
                     ("/api/stats", "get", "Emotion log", "200", "StatsResult", [("400", "bad_query")]),
                     ("/api/alert-rules", "get", "Alert rules", "200", null, [("403", "forbidden")]),
                     ("/api/alert-rules/{name}", "get", "Alert rules", "200", "AlertRuleRecord", [("404", "not_found"), ("403", "forbidden")]),
                     ("/api/alert-rules", "post", "Alert rules", "201", "AlertRuleRecord", [("400", "bad_rule"), ("409", "rule_exists"), ("403", "forbidden")]),
                     ("/api/alert-rules/{name}", "put", "Alert rules", "200", "AlertRuleRecord", [("400", "bad_rule"), ("404", "not_found"), ("403", "forbidden")]),
                     ("/api/alert-rules/{name}", "delete", "Alert rules", "204", null, [("404", "not_found"), ("403", "forbidden")]),
                 })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.Equal([tag], operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} lacks a summary");
            var responses = operation.GetProperty("responses");
            Assert.True(responses.TryGetProperty(ok, out var success), $"{method} {path} lacks its {ok}");
            if (schema is not null) Assert.Equal($"#/components/schemas/{schema}", SchemaRef(success));
            foreach (var (status, code) in errors)
            {
                Assert.Equal("#/components/schemas/ApiError", SchemaRef(responses.GetProperty(status)));
                Assert.Contains(code, responses.GetProperty(status).ToString());
            }
        }
        // The request body of POST/PUT is the rule's input, and the list and call shapes name their fields.
        foreach (var method in new[] { "post", "put" })
        {
            var path = method == "post" ? "/api/alert-rules" : "/api/alert-rules/{name}";
            Assert.Equal("#/components/schemas/AlertRuleInput", paths.GetProperty(path).GetProperty(method).GetProperty("requestBody")
                .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        }
        Assert.True(paths.GetProperty("/api/alert-rules").GetProperty("post").GetProperty("responses").GetProperty("201").GetProperty("headers").TryGetProperty("Location", out _));
        foreach (var field in new[] { "callId", "source", "startedAt", "endedAt", "tracks", "dominant", "negativeShare", "agent", "queue", "label", "alerts" })
            Assert.True(schemas.GetProperty("CallRecord").GetProperty("properties").TryGetProperty(field, out _), $"CallRecord lacks {field}");
        foreach (var field in new[] { "start", "group", "calls", "speechSeconds", "share", "alerts" })
            Assert.True(schemas.GetProperty("StatsBucket").GetProperty("properties").TryGetProperty(field, out _), $"StatsBucket lacks {field}");
        var queryNames = paths.GetProperty("/api/calls").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        foreach (var name in new[] { "from", "to", "source", "dominant", "minAngryShare", "minNegativeShare", "label", "agent", "queue", "sort", "limit", "offset" })
            Assert.Contains(name, queryNames);
        string[] Values(string path, string name) => paths.GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == name).GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()!).ToArray();
        Assert.Equal(["hour", "day"], Values("/api/stats", "bucket"));
        Assert.Equal(["source", "label", "agent", "queue"], Values("/api/stats", "groupBy"));
        Assert.Contains("-negativeShare", Values("/api/calls", "sort"));
    }

    [Fact]
    public async Task WithAuthTheDocumentAndReferenceAreOpenHoldNoSecretsAndNeedNoCdn()
    {
        const string key = "openapi-test-key-000001", signing = "openapi-test-signing-key-of-32-bytes!!";
        await using var server = await HubServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:0:Name"] = "sup", ["Auth:ApiKeys:0:Key"] = key, ["Auth:ApiKeys:0:Roles:0"] = "supervisor",
            ["Auth:Jwt:SigningKey"] = signing,
        });
        using var http = server.Http();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/sessions")).StatusCode); // auth is really on

        var json = await http.GetStringAsync("/openapi/v1.json");
        Assert.DoesNotContain(key, json);
        Assert.DoesNotContain(signing, json);

        var page = await http.GetStringAsync("/docs/");
        Assert.Contains("<div id=\"app\">", page);
        var scripts = System.Text.RegularExpressions.Regex.Matches(page, "src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("scalar.js", scripts);
        foreach (var script in scripts)
        {
            Assert.False(Uri.TryCreate(script, UriKind.Absolute, out _), $"the page loads {script} from elsewhere");
            using var served = await http.GetAsync(new Uri(server.Address, "/docs/" + script));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Contains("javascript", served.Content.Headers.ContentType?.MediaType);
            Assert.True((await served.Content.ReadAsByteArrayAsync()).Length > 1000, $"{script} is nearly empty");
        }
        Assert.Contains("\"withDefaultFonts\":false", page); // Scalar's default fonts come from its CDN
        Assert.Contains("openapi/v1.json", page);
    }

    /// <summary>The OpenAPI form of a route: parameters as {name}, without constraints or optional marks.</summary>
    private static string OpenApiPath(RoutePattern pattern) =>
        "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));
}

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>The OpenAPI document describes every HTTP endpoint the server really maps, and the reference page works offline.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task EveryMappedEndpointIsInTheDocument()
    {
        await using var server = await HubServer.StartAsync();
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

        Assert.True(missing.Count == 0, "mapped but not in /openapi/v1.json: " + string.Join("; ", missing));
        Assert.Contains("/hubs/emotion", skipped);
        foreach (var known in new[] { "POST /api/analyze", "GET /api/sessions", "GET /api/sessions/{id}", "GET /api/sessions/{id}/timeline",
                     "GET /api/sessions/{id}/export", "DELETE /api/sessions/{id}", "GET /healthz", "GET /healthz/live", "GET /healthz/ready", "GET /metrics", "GET /phone/twilio" })
            Assert.Contains(known, checkedEndpoints);
    }

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

        var hook = root.GetProperty("webhooks").GetProperty("alert").GetProperty("post");
        Assert.Contains(hook.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "X-VoiceEmotion-Signature");
        Assert.Equal("#/components/schemas/AlertMessage",
            hook.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
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

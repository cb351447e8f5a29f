using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace VoiceEmotion.Client;

/// <summary>
/// The REST API (docs/PROTOCOL.md "HTTP", <c>/openapi/v1.json</c>): file analysis, analysis jobs, the emotion log,
/// calls, trends and alert rules, with typed results. Every non-success answer throws <see cref="VoiceEmotionException"/> carrying the server's
/// <c>ApiError</c> code, message and HTTP status (and <see cref="VoiceEmotionException.RetryAfter"/> on 429).
/// </summary>
public sealed class VoiceEmotionRestClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly VoiceEmotionClientOptions _options;

    /// <summary>A client for the server in <paramref name="options"/> (its own HttpClient, disposed with it).</summary>
    public VoiceEmotionRestClient(VoiceEmotionClientOptions options)
    {
        _options = options;
        _http = options.HttpMessageHandler is { } handler ? new HttpClient(handler, disposeHandler: false) : new HttpClient();
        _http.BaseAddress = options.Root;
        _http.Timeout = Timeout.InfiniteTimeSpan; // long uploads: callers cancel with their token
    }

    /// <summary>Analyses a file synchronously (POST /api/analyze): the updates a live stream of it would get, and its
    /// summary. <c>bad_audio</c>, <c>file_too_large</c>, <c>too_many_uploads</c> come as <see cref="VoiceEmotionException"/>.</summary>
    public async Task<AnalyzeResult> AnalyzeAsync(Stream file, string fileName, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/analyze", Form(file, fileName), cancellationToken);
        return await Read<AnalyzeResult>(response, cancellationToken);
    }

    /// <summary>Analyses a file on disk synchronously (see <see cref="AnalyzeAsync(Stream, string, CancellationToken)"/>).</summary>
    public async Task<AnalyzeResult> AnalyzeFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(path);
        return await AnalyzeAsync(file, Path.GetFileName(path), cancellationToken);
    }

    /// <summary>Uploads a file as a background job (POST /api/analyze?mode=job → 202): its status, state <c>queued</c>.</summary>
    public async Task<AnalysisJobStatus> StartJobAsync(Stream file, string fileName, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/analyze?mode=job", Form(file, fileName), cancellationToken);
        return await Read<AnalysisJobStatus>(response, cancellationToken);
    }

    /// <summary>A job's status (GET /api/jobs/{id}); <c>job_not_found</c> (404) once it has expired or never existed.</summary>
    public async Task<AnalysisJobStatus> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/jobs/{Uri.EscapeDataString(jobId)}", null, cancellationToken);
        return await Read<AnalysisJobStatus>(response, cancellationToken);
    }

    /// <summary>Polls a job until it is done (its result) or failed (throws its error code: <c>bad_audio</c>,
    /// <c>shutting_down</c>, <c>analysis_failed</c>), reporting progress on the way.</summary>
    public async Task<AnalyzeResult> WaitForJobAsync(string jobId, IProgress<AnalysisJobProgress>? progress = null, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var job = await GetJobAsync(jobId, cancellationToken);
            progress?.Report(job.Progress);
            if (job.State == AnalysisJobStates.Done && job.Result is { } result) return result;
            if (job.State == AnalysisJobStates.Failed)
                throw new VoiceEmotionException(job.Error?.Error ?? ErrorCodes.Unknown, job.Error?.Message ?? "the analysis failed", sessionId: jobId);
            await Task.Delay(pollInterval ?? TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Logged sessions, newest first (GET /api/sessions); <c>bad_query</c> (400) for a bad filter.</summary>
    public async Task<SessionPage> ListSessionsAsync(SessionQuery? query = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/sessions" + QueryString(query ?? new SessionQuery()), null, cancellationToken);
        return await Read<SessionPage>(response, cancellationToken);
    }

    /// <summary>One logged session and its alerts; <c>not_found</c> (404).</summary>
    public async Task<SessionDetails> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/sessions/{Uri.EscapeDataString(sessionId)}", null, cancellationToken);
        return await Read<SessionDetails>(response, cancellationToken);
    }

    /// <summary>A logged session's updates in order.</summary>
    public async Task<IReadOnlyList<EmotionUpdate>> GetTimelineAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/sessions/{Uri.EscapeDataString(sessionId)}/timeline", null, cancellationToken);
        return await Read<List<EmotionUpdate>>(response, cancellationToken);
    }

    /// <summary>Everything the log holds about a session (export, JSON).</summary>
    public async Task<SessionExport> ExportAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/sessions/{Uri.EscapeDataString(sessionId)}/export?format=json", null, cancellationToken);
        return await Read<SessionExport>(response, cancellationToken);
    }

    /// <summary>A session's timeline as CSV (export, CSV).</summary>
    public async Task<string> ExportCsvAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/sessions/{Uri.EscapeDataString(sessionId)}/export?format=csv", null, cancellationToken);
        await EnsureSuccess(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Deletes a logged session (admin role); <c>not_found</c> (404).</summary>
    public async Task DeleteSessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"api/sessions/{Uri.EscapeDataString(sessionId)}", null, cancellationToken);
        await EnsureSuccess(response, cancellationToken);
    }

    /// <summary>Calls (GET /api/calls): a phone call's tracks together, one-session calls alone; newest first unless
    /// <see cref="CallQuery.Sort"/> says otherwise. <c>bad_query</c> (400) names a bad filter, sort or page value.</summary>
    public async Task<CallPage> ListCallsAsync(CallQuery? query = null, CancellationToken cancellationToken = default)
    {
        var q = query ?? new CallQuery();
        using var response = await SendAsync(HttpMethod.Get, "api/calls" + QueryString(
        [
            ("from", Time(q.From)), ("to", Time(q.To)), ("source", q.Source), ("dominant", q.Dominant),
            ("minAngryShare", Number(q.MinAngryShare)), ("minNegativeShare", Number(q.MinNegativeShare)),
            ("label", q.Label), ("agent", q.Agent), ("queue", q.Queue), ("owner", q.Owner), ("sort", q.Sort),
            ("limit", Number(q.Limit)), ("offset", Number(q.Offset)),
        ]), null, cancellationToken);
        return await Read<CallPage>(response, cancellationToken);
    }

    /// <summary>One call (GET /api/calls/{callId}): its tracks with their roles and summaries, and its alerts;
    /// <c>not_found</c> (404) for an unknown call or another client's.</summary>
    public async Task<CallDetails> GetCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/calls/{Uri.EscapeDataString(callId)}", null, cancellationToken);
        return await Read<CallDetails>(response, cancellationToken);
    }

    /// <summary>Deletes a call, every track with its updates and alerts (admin role); <c>not_found</c> (404).</summary>
    public async Task DeleteCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"api/calls/{Uri.EscapeDataString(callId)}", null, cancellationToken);
        await EnsureSuccess(response, cancellationToken);
    }

    /// <summary>Trends (GET /api/stats): calls, speech, emotion shares and alerts per UTC hour or day and group.
    /// <c>bad_query</c> (400) for a bad bucket, grouping or range.</summary>
    public async Task<StatsResult> GetStatsAsync(StatsQuery? query = null, CancellationToken cancellationToken = default)
    {
        var q = query ?? new StatsQuery();
        using var response = await SendAsync(HttpMethod.Get, "api/stats" + QueryString(
            [("from", Time(q.From)), ("to", Time(q.To)), ("bucket", q.Bucket), ("groupBy", q.GroupBy)]), null, cancellationToken);
        return await Read<StatsResult>(response, cancellationToken);
    }

    /// <summary>The alert rules in force, by name (GET /api/alert-rules; supervisor role).</summary>
    public async Task<IReadOnlyList<AlertRuleRecord>> ListAlertRulesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, "api/alert-rules", null, cancellationToken);
        return await Read<List<AlertRuleRecord>>(response, cancellationToken);
    }

    /// <summary>One alert rule (supervisor role); <c>not_found</c> (404).</summary>
    public async Task<AlertRuleRecord> GetAlertRuleAsync(string name, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/alert-rules/{Uri.EscapeDataString(name)}", null, cancellationToken);
        return await Read<AlertRuleRecord>(response, cancellationToken);
    }

    /// <summary>Creates an alert rule (admin role), in force for live sessions from their next update: the rule as
    /// stored. <c>bad_rule</c> (400) names the field that is wrong; <c>rule_exists</c> (409).</summary>
    public async Task<AlertRuleRecord> CreateAlertRuleAsync(AlertRuleInput rule, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/alert-rules", JsonContent.Create(rule, options: Json), cancellationToken);
        return await Read<AlertRuleRecord>(response, cancellationToken);
    }

    /// <summary>Replaces the alert rule <paramref name="name"/> (admin role); live sessions follow it from their next
    /// update. <c>bad_rule</c> (400, also for a body naming another rule); <c>not_found</c> (404).</summary>
    public async Task<AlertRuleRecord> ReplaceAlertRuleAsync(string name, AlertRuleInput rule, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Put, $"api/alert-rules/{Uri.EscapeDataString(name)}", JsonContent.Create(rule, options: Json), cancellationToken);
        return await Read<AlertRuleRecord>(response, cancellationToken);
    }

    /// <summary>Deletes an alert rule (admin role); <c>not_found</c> (404).</summary>
    public async Task DeleteAlertRuleAsync(string name, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"api/alert-rules/{Uri.EscapeDataString(name)}", null, cancellationToken);
        await EnsureSuccess(response, cancellationToken);
    }

    private static MultipartFormDataContent Form(Stream file, string fileName)
    {
        var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        return new MultipartFormDataContent { { content, "file", fileName } };
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (await _options.Token() is { Length: > 0 } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static async Task<T> Read<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccess(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new VoiceEmotionException(ErrorCodes.Unknown, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} with an empty body", response.StatusCode);
    }

    private static async Task EnsureSuccess(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        ApiError? error = null;
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        try { error = JsonSerializer.Deserialize<ApiError>(text, Json); } catch (JsonException) { /* not an ApiError body */ }
        var code = error is { Error.Length: > 0 } ? error.Error : response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => ErrorCodes.Unauthorized,
            HttpStatusCode.Forbidden => ErrorCodes.Forbidden,
            HttpStatusCode.NotFound => ErrorCodes.NotFound,
            _ => ErrorCodes.Unknown,
        };
        var message = error is { Message.Length: > 0 } ? error.Message : $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
        throw new VoiceEmotionException(code, message, response.StatusCode) { RetryAfter = response.Headers.RetryAfter?.Delta };
    }

    private static string QueryString(SessionQuery q) => QueryString(
    [
        ("from", Time(q.From)), ("to", Time(q.To)), ("source", q.Source), ("dominant", q.Dominant),
        ("minAngryShare", Number(q.MinAngryShare)), ("minNegativeShare", Number(q.MinNegativeShare)),
        ("owner", q.Owner), ("limit", Number(q.Limit)), ("offset", Number(q.Offset)),
    ]);

    /// <summary>The query string of the parameters that have a value ("" when none has).</summary>
    private static string QueryString(IEnumerable<(string Name, string? Value)> parameters)
    {
        var parts = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static string? Time(DateTimeOffset? t) => t?.ToString("O", CultureInfo.InvariantCulture);

    private static string? Number(double? v) => v?.ToString(CultureInfo.InvariantCulture);

    private static string? Number(int? v) => v?.ToString(CultureInfo.InvariantCulture);

    /// <summary>Disposes the HttpClient.</summary>
    public void Dispose() => _http.Dispose();
}

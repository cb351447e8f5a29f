using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace VoiceEmotion.Client;

/// <summary>
/// The REST API (docs/PROTOCOL.md "HTTP", <c>/openapi/v1.json</c>): file analysis, analysis jobs and the emotion log,
/// with typed results. Every non-success answer throws <see cref="VoiceEmotionException"/> carrying the server's
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

    private static string QueryString(SessionQuery q)
    {
        var parts = new List<string>();
        void Add(string name, string? value) { if (value is not null) parts.Add($"{name}={Uri.EscapeDataString(value)}"); }
        Add("from", q.From?.ToString("O", CultureInfo.InvariantCulture));
        Add("to", q.To?.ToString("O", CultureInfo.InvariantCulture));
        Add("source", q.Source);
        Add("dominant", q.Dominant);
        Add("minAngryShare", q.MinAngryShare?.ToString(CultureInfo.InvariantCulture));
        Add("minNegativeShare", q.MinNegativeShare?.ToString(CultureInfo.InvariantCulture));
        Add("owner", q.Owner);
        Add("limit", q.Limit?.ToString(CultureInfo.InvariantCulture));
        Add("offset", q.Offset?.ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// <summary>Disposes the HttpClient.</summary>
    public void Dispose() => _http.Dispose();
}

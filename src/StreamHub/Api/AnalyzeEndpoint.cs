using System.IO.Pipelines;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Api;

/// <summary>
/// POST /api/analyze: a WAV upload analysed at full speed through the same session code as live streams, decoded as
/// it arrives; with ?mode=job the file is spooled to a temporary file and analysed in the background (GET /api/jobs/{id}).
/// </summary>
public static class AnalyzeEndpoint
{
    private const int SlackBytes = 64 * 1024; // multipart boundaries and part headers around the file

    public static IEndpointRouteBuilder MapAnalyze(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/analyze", async (HttpContext context, string? mode, UploadAnalyzer analyzer, AnalysisJobs jobs,
            IOptions<StreamHubOptions> options, ILogger<UploadAnalyzer> logger) =>
        {
            var result = await HandleAsync(context, mode, analyzer, jobs, options, logger);
            // An error found before the body was read (a bad header, a broken part) would otherwise close the connection
            // under a client still sending, which then sees a broken pipe instead of the answer: read what is left of a
            // modest body first. Oversized bodies (413) are not read.
            if (result is IStatusCodeHttpResult { StatusCode: >= 400 and not StatusCodes.Status413PayloadTooLarge })
                await DrainAsync(context.Request.Body, context.RequestAborted);
            return result;
        }).DisableAntiforgery().RequireAuthorization(Security.Roles.StreamPolicy)
            .WithTags(OpenApiSetup.AnalysisTag).WithSummary("Analyse a WAV file, or start a job that does")
            .WithDescription("The update series a live stream of the file would get, and its summary, computed at full speed through " +
                "the same batcher as live sessions while the file is still arriving. " +
                "Any WAV the pipeline reads: PCM 8/16/24/32, float 32/64, mu-law, A-law, EXTENSIBLE; any rate, mono or multi-channel.\n\n" +
                "With `?mode=job` the file is stored and analysed in the background: the answer is 202 with the job's status and its " +
                "`Location` (GET /api/jobs/{id}). Synchronous calls and jobs share the `StreamHub:MaxConcurrentUploads` slots; " +
                "an upload beyond them gets 429 with `Retry-After`.")
            // Described, not declared with Accepts: that would make routing answer other content types with a bare 415
            // instead of the handler's 400 not_multipart.
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                    {
                        ["multipart/form-data"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(AnalyzeUpload), null, cancellationToken) },
                    },
                };
                if (operation.Parameters?.FirstOrDefault(p => p.Name == "mode") is Microsoft.OpenApi.OpenApiParameter modeParameter)
                {
                    modeParameter.Description = "`job`: analyse in the background and answer 202 at once. Left out (or `sync`): answer with the result.";
                    modeParameter.Schema = new Microsoft.OpenApi.OpenApiSchema
                    {
                        Type = Microsoft.OpenApi.JsonSchemaType.String,
                        Enum = [System.Text.Json.Nodes.JsonValue.Create("sync"), System.Text.Json.Nodes.JsonValue.Create("job")],
                    };
                }
            })
            .Produces<AnalyzeResponse>()
            .Produces<AnalysisJobStatus>(StatusCodes.Status202Accepted)
            .WithResponseHeader(StatusCodes.Status202Accepted, HeaderNames.Location, "The job's status: `/api/jobs/{jobId}`.", Microsoft.OpenApi.JsonSchemaType.String, "uri-reference")
            .ProducesError(StatusCodes.Status400BadRequest, "bad_mode", "not_multipart", "no_file", "bad_multipart", "bad_audio")
            .ProducesError(StatusCodes.Status413PayloadTooLarge, "file_too_large")
            .ProducesError(StatusCodes.Status429TooManyRequests, "too_many_uploads")
            .WithResponseHeader(StatusCodes.Status429TooManyRequests, HeaderNames.RetryAfter, "Seconds to wait before uploading again.", Microsoft.OpenApi.JsonSchemaType.Integer);

        app.MapGet("/api/jobs/{id}", (string id, ClaimsPrincipal user, AnalysisJobs jobs, IOptions<StreamHubOptions> options) =>
            jobs.Find(id, user) is { } job
                ? Results.Ok(job.Status())
                : Problem(StatusCodes.Status404NotFound, "job_not_found",
                    $"no analysis job '{id}': finished jobs are kept {options.Value.AnalysisJobExpirySeconds:0} s, and a server restart loses them"))
            .RequireAuthorization()
            .WithTags(OpenApiSetup.AnalysisTag).WithSummary("An analysis job: its state, progress and, when done, its result")
            .WithDescription("`state` is `queued`, `running`, `done` or `failed`; `progress` counts seconds of audio analysed (of the " +
                "header's total, when it declares one). When `done`, `result` is exactly the body of a synchronous POST /api/analyze; " +
                "when `failed`, `error` says why (`bad_audio`, `shutting_down`, `analysis_failed`). Jobs live in the server's memory: " +
                "a finished one is kept `StreamHub:AnalysisJobExpirySeconds`, and a restart loses them all.")
            .Produces<AnalysisJobStatus>()
            .ProducesError(StatusCodes.Status404NotFound, "job_not_found");
        return app;
    }

    /// <summary>Synchronous: the file part flows through a small pipe into the analysis as it arrives.</summary>
    private static async Task<IResult> AnalyzeWhileReadingAsync(HttpContext context, MultipartSection section, string fileName, UploadAnalyzer analyzer,
        long limit, ILogger logger)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var pumping = PumpAsync(section.Body, pipe.Writer, limit, stop.Token);
        try
        {
            await using var body = pipe.Reader.AsStream();
            var result = await analyzer.AnalyzeAsync(body, fileName, Security.Roles.Owner(context.User), Guid.NewGuid().ToString("N"), new ClipProgress(), context.RequestAborted);
            return Results.Ok(result.ToResponse());
        }
        catch (Exception e) when (e is AudioFormatException || IsUploadProblem(e))
        {
            await stop.CancelAsync();
            var cause = await pumping ?? e; // a broken or oversize body explains the analysis's failure, not the reverse
            if (cause is not AudioFormatException) return UploadProblem(cause, limit);
            logger.LogWarning("Upload {FileName} rejected: {Message}", fileName, cause.Message);
            return Problem(StatusCodes.Status400BadRequest, "bad_audio", cause.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the client went away: nobody to answer
        }
        finally
        {
            await stop.CancelAsync();
            await pumping;
        }
    }

    /// <summary>Job mode: the file part to a temporary file (deleted when closed), or the problem with the upload.</summary>
    private static async Task<(FileStream? File, IResult? Problem)> SpoolAsync(HttpContext context, MultipartSection section, long limit)
    {
        var spool = new FileStream(Path.Combine(Path.GetTempPath(), $"voiceemotion-upload-{Guid.NewGuid():N}.wav"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
        try
        {
            await CopyAsync(section.Body, spool, limit, context.RequestAborted);
            spool.Position = 0;
            return (spool, null);
        }
        catch (Exception e)
        {
            await spool.DisposeAsync(); // deletes the partial file
            if (IsUploadProblem(e)) return (null, UploadProblem(e, limit));
            throw;
        }
    }

    /// <summary>The first part that carries a file (the field named 'file', or any other file field).</summary>
    private static async Task<(MultipartSection? Section, string FileName)> NextFileAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (section.GetContentDispositionHeader() is { } disposition && disposition.IsFileDisposition())
            {
                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                return (section, Path.GetFileName(name ?? "") is { Length: > 0 } plain ? plain : "upload.wav");
            }
        }
        return (null, "");
    }

    private static async Task CopyAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += n;
            if (total > limit) throw new UploadTooLargeException(total);
            await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }
    }

    /// <summary>Copies the file part into the pipe until it ends, the limit is passed or the analysis stops reading; returns what went wrong, if anything.</summary>
    private static async Task<Exception?> PumpAsync(Stream from, PipeWriter to, long limit, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            long total = 0;
            while (true)
            {
                int n = await from.ReadAsync(to.GetMemory(64 * 1024), cancellationToken);
                if (n == 0) break;
                total += n;
                if (total > limit) throw new UploadTooLargeException(total);
                to.Advance(n);
                if ((await to.FlushAsync(cancellationToken)).IsCompleted) break; // the analysis stopped reading
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        await to.CompleteAsync(error);
        return error;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, string? mode, UploadAnalyzer analyzer, AnalysisJobs jobs,
        IOptions<StreamHubOptions> options, ILogger<UploadAnalyzer> logger)
    {
        if (mode is not (null or "" or "sync" or "job"))
            return Problem(StatusCodes.Status400BadRequest, "bad_mode", $"mode '{mode}' is unknown: use mode=job for a background job, or leave it out");
        var slot = analyzer.TryAdmit();
        if (slot is null)
        {
            context.Response.Headers.RetryAfter = UploadAnalyzer.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status429TooManyRequests, "too_many_uploads",
                $"{options.Value.MaxConcurrentUploads} uploads are being analysed already: try again in {UploadAnalyzer.RetryAfterSeconds} s");
        }
        try
        {
            long limit = options.Value.MaxUploadBytes;
            var request = context.Request;
            var size = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (size is { IsReadOnly: false }) size.MaxRequestBodySize = limit + SlackBytes;
            if (request.ContentLength > limit + SlackBytes)
                return TooLarge(limit, request.ContentLength);
            if (!request.HasFormContentType || !MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
                || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
                return Problem(StatusCodes.Status400BadRequest, "not_multipart", "send the WAV file as multipart/form-data in a field named 'file'");

            var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = limit };
            MultipartSection? section;
            string fileName;
            try
            {
                (section, fileName) = await NextFileAsync(reader, context.RequestAborted);
            }
            catch (Exception e) when (IsUploadProblem(e))
            {
                return UploadProblem(e, limit);
            }
            if (section is null) return Problem(StatusCodes.Status400BadRequest, "no_file", "the form has no file: send the WAV in a field named 'file'");

            if (mode != "job") return await AnalyzeWhileReadingAsync(context, section, fileName, analyzer, limit, logger);
            var spool = await SpoolAsync(context, section, limit);
            if (spool.Problem is not null) return spool.Problem;
            var job = jobs.Start(spool.File!, fileName, Security.Roles.Owner(context.User), slot);
            slot = null; // the job releases it when its analysis ends
            return Results.Accepted($"/api/jobs/{job.Id}", job.Status());
        }
        finally
        {
            slot?.Dispose();
        }
    }

    /// <summary>Reads and drops at most 4 MiB of what the client is still sending (bounded, so a hostile body cannot hold the slot).</summary>
    private static async Task DrainAsync(Stream body, CancellationToken cancel)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long left = 4 * 1024 * 1024;
            int n;
            while (left > 0 && (n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancel)) > 0) left -= n;
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away, or the body was already consumed: nothing more to read.
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsUploadProblem(Exception e) => e is InvalidDataException or BadHttpRequestException or IOException or UploadTooLargeException;

    private static IResult UploadProblem(Exception e, long limit) =>
        e is UploadTooLargeException or BadHttpRequestException { StatusCode: 413 } || e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
            ? TooLarge(limit, null)
            : Problem(StatusCodes.Status400BadRequest, "bad_multipart", e.Message);

    private static IResult TooLarge(long limit, long? bytes) => Problem(StatusCodes.Status413PayloadTooLarge, "file_too_large",
        bytes is { } b ? $"upload of {b} bytes is over the limit of {limit} bytes" : $"upload is over the limit of {limit} bytes");

    private static IResult Problem(int status, string error, string message) => Results.Json(new ApiError(error, message), statusCode: status);

    /// <summary>The form POST /api/analyze reads (for the OpenAPI document; the handler reads the multipart stream itself, to bound it).</summary>
    internal sealed class AnalyzeUpload
    {
        /// <summary>The WAV file (the field named 'file', or else the first file field).</summary>
        public required IFormFile File { get; init; }
    }

    private sealed class UploadTooLargeException(long bytes) : IOException($"the file is over the upload limit after {bytes} bytes");
}

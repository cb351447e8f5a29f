using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.CallLog;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Api;

/// <summary>POST /api/analyze: a WAV upload analysed at full speed through the same session code as live streams.</summary>
public static class AnalyzeEndpoint
{
    public static IEndpointRouteBuilder MapAnalyze(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/analyze", async (HttpRequest request, System.Security.Claims.ClaimsPrincipal user, ModelHost models, CallLogWriter log, IOptions<StreamHubOptions> options, ILogger<ModelHost> logger, CancellationToken cancellationToken) =>
        {
            long limit = options.Value.MaxUploadBytes;
            var size = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (size is { IsReadOnly: false }) size.MaxRequestBodySize = limit + 64 * 1024;
            if (request.ContentLength > limit + 64 * 1024)
                return Problem(StatusCodes.Status413PayloadTooLarge, "file_too_large", $"upload of {request.ContentLength} bytes is over the limit of {limit} bytes");
            if (!request.HasFormContentType)
                return Problem(StatusCodes.Status400BadRequest, "not_multipart", "send the WAV file as multipart/form-data in a field named 'file'");
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit }, cancellationToken);
            }
            catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
            {
                return e is BadHttpRequestException { StatusCode: 413 } || e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                    ? Problem(StatusCodes.Status413PayloadTooLarge, "file_too_large", $"upload is over the limit of {limit} bytes")
                    : Problem(StatusCodes.Status400BadRequest, "bad_multipart", e.Message);
            }
            var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault();
            if (file is null) return Problem(StatusCodes.Status400BadRequest, "no_file", "the form has no file: send the WAV in a field named 'file'");
            if (file.Length > limit) return Problem(StatusCodes.Status413PayloadTooLarge, "file_too_large", $"file of {file.Length} bytes is over the limit of {limit} bytes");
            AudioClip clip;
            try
            {
                await using var stream = file.OpenReadStream();
                clip = WavReader.Read(stream, limit);
            }
            catch (AudioFormatException e)
            {
                logger.LogWarning("Upload {FileName} rejected: {Message}", file.FileName, e.Message);
                return Problem(StatusCodes.Status400BadRequest, "bad_audio", e.Message);
            }
            var id = Guid.NewGuid().ToString("N");
            var startedAt = DateTimeOffset.UtcNow;
            var (updates, summary) = await Task.Run(() => ClipAnalyzer.Analyze(clip, models.Model, id), cancellationToken);
            log.Enqueue(new LogItem.Started(new SessionRecord(id, "upload", file.FileName, null, null, startedAt, Owner: Security.Roles.Owner(user))));
            foreach (var u in updates) log.Enqueue(new LogItem.Update(u));
            log.Enqueue(new LogItem.Ended(summary, DateTimeOffset.UtcNow));
            return Results.Ok(new AnalyzeResponse(file.FileName, clip.SampleRate, updates.Select(EmotionUpdateMessage.From).ToList(), SessionSummaryMessage.From(summary)));
        }).DisableAntiforgery().RequireAuthorization(Security.Roles.StreamPolicy)
            .WithTags(OpenApiSetup.AnalysisTag).WithSummary("Analyse a WAV file")
            .WithDescription("The update series a live stream of the file would get, and its summary, computed at full speed. " +
                "Any WAV the pipeline reads: PCM 8/16/24/32, float 32/64, mu-law, A-law, EXTENSIBLE; any rate, mono or multi-channel.")
            // Described, not declared with Accepts: that would make routing answer other content types with a bare 415
            // instead of the handler's 400 not_multipart.
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) => operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                {
                    ["multipart/form-data"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(AnalyzeUpload), null, cancellationToken) },
                },
            })
            .Produces<AnalyzeResponse>()
            .ProducesError(StatusCodes.Status400BadRequest, "not_multipart", "no_file", "bad_multipart", "bad_audio")
            .ProducesError(StatusCodes.Status413PayloadTooLarge, "file_too_large");
        return app;
    }

    private static IResult Problem(int status, string error, string message) => Results.Json(new ApiError(error, message), statusCode: status);

    /// <summary>The form POST /api/analyze reads (for the OpenAPI document; the handler reads the form itself, to bound it).</summary>
    internal sealed class AnalyzeUpload
    {
        /// <summary>The WAV file.</summary>
        public required IFormFile File { get; init; }
    }
}

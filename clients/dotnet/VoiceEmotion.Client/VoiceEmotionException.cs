using System.Net;
using System.Text.RegularExpressions;

namespace VoiceEmotion.Client;

/// <summary>
/// A failure the server named: <see cref="Code"/> is its stable error code (<see cref="ErrorCodes"/>) — from a hub
/// HubException (<c>"code: message"</c>), a SessionError event, or an HTTP <c>ApiError {error, message}</c> body.
/// </summary>
public sealed partial class VoiceEmotionException : Exception
{
    /// <summary>A failure with a code, a message, and where known the HTTP status and the session.</summary>
    public VoiceEmotionException(string code, string message, HttpStatusCode? status = null, string? sessionId = null, Exception? inner = null)
        : base($"{code}: {message}", inner)
    {
        Code = code;
        Detail = message;
        StatusCode = status;
        SessionId = sessionId;
    }

    /// <summary>The stable code, e.g. <c>format_invalid</c>, <c>bad_audio</c>, <c>not_found</c>.</summary>
    public string Code { get; }

    /// <summary>The server's message without the code.</summary>
    public string Detail { get; }

    /// <summary>The HTTP status for REST errors; null for hub errors.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The session concerned, when there is one.</summary>
    public string? SessionId { get; }

    /// <summary>For 429: how long the server asked to wait.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The code and message of a SignalR HubException ("An unexpected error … HubException: code: message"),
    /// or <see cref="ErrorCodes.Unknown"/> when it names none.</summary>
    internal static VoiceEmotionException FromHub(Exception e, string? sessionId = null)
    {
        var m = HubMessage().Match(e.Message);
        return m.Success
            ? new VoiceEmotionException(m.Groups["code"].Value, m.Groups["message"].Value, sessionId: sessionId, inner: e)
            : new VoiceEmotionException(ErrorCodes.Unknown, e.Message, sessionId: sessionId, inner: e);
    }

    [GeneratedRegex(@"(?:HubException: |^)(?<code>[a-z][a-z_]+): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex HubMessage();
}

/// <summary>Stable error codes of the hub and the REST API (docs/PROTOCOL.md), plus the client's own.</summary>
public static class ErrorCodes
{
    /// <summary>StartSession: unknown encoding, rate outside 8000–96000 Hz, channels not 1–2.</summary>
    public const string FormatInvalid = "format_invalid";
    /// <summary>Empty chunk, not whole sample frames, NaN/Inf samples; or a second StreamAudio.</summary>
    public const string ChunkInvalid = "chunk_invalid";
    /// <summary>A chunk over the server's MaxChunkBytes.</summary>
    public const string ChunkTooLarge = "chunk_too_large";
    /// <summary>More audio than MaxSessionSeconds.</summary>
    public const string SessionTooLong = "session_too_long";
    /// <summary>The server is at MaxConcurrentSessions.</summary>
    public const string TooManySessions = "too_many_sessions";
    /// <summary>This connection is at MaxStreamsPerConnection.</summary>
    public const string TooManyStreams = "too_many_streams";
    /// <summary>StreamAudio for a session not started on this connection (older servers: <see cref="NoFormat"/>).</summary>
    public const string NoSession = "no_session";
    /// <summary>What servers before <see cref="NoSession"/> said instead: treat both alike.</summary>
    public const string NoFormat = "no_format";
    /// <summary>Anything else on the server.</summary>
    public const string Internal = "internal";
    /// <summary>A role is missing (hub) — HTTP 403.</summary>
    public const string Forbidden = "forbidden";
    /// <summary>No such session, or one the caller may not see — hub Watch and HTTP 404.</summary>
    public const string NotFound = "not_found";
    /// <summary>HTTP 401: no or invalid credentials.</summary>
    public const string Unauthorized = "unauthorized";
    /// <summary>The uploaded file is not audio the server reads.</summary>
    public const string BadAudio = "bad_audio";
    /// <summary>A query value is wrong (GET /api/sessions, /api/calls, /api/stats); the message names it.</summary>
    public const string BadQuery = "bad_query";
    /// <summary>An alert rule's body is wrong (POST, PUT /api/alert-rules); the message names the field.</summary>
    public const string BadRule = "bad_rule";
    /// <summary>POST /api/alert-rules of a name that exists (409): replace it with PUT instead.</summary>
    public const string RuleExists = "rule_exists";
    /// <summary>No analysis job with that id (or expired, or another client's).</summary>
    public const string JobNotFound = "job_not_found";
    /// <summary>Over MaxUploadBytes.</summary>
    public const string FileTooLarge = "file_too_large";
    /// <summary>HTTP 429: too many uploads at once; see <see cref="VoiceEmotionException.RetryAfter"/>.</summary>
    public const string TooManyUploads = "too_many_uploads";
    /// <summary>A job ended because the server stopped: upload again.</summary>
    public const string ShuttingDown = "shutting_down";

    /// <summary>Client side: the connection dropped while the session was running; the server ended it (see README, "Reconnecting").</summary>
    public const string ConnectionLost = "connection_lost";
    /// <summary>Client side: the stream was cancelled (or disposed) before it completed; the server ended the session with the audio it had.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>Client side: the server answered without a code this client knows how to read.</summary>
    public const string Unknown = "unknown";
}

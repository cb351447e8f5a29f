namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>Stable error codes of the wire protocol.</summary>
public static class HubError
{
    public const string FormatInvalid = "format_invalid";
    public const string ChunkInvalid = "chunk_invalid";
    public const string ChunkTooLarge = "chunk_too_large";
    public const string SessionTooLong = "session_too_long";
    public const string TooManySessions = "too_many_sessions";
    public const string TooManyStreams = "too_many_streams";
    /// <summary>StreamAudio names a session id that was not started on this connection (unknown, ended, or another connection's).</summary>
    public const string NoSession = "no_session";
    public const string Internal = "internal";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
}

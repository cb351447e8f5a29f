using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.PhoneBridge;

/// <summary>Opens and closes sessions for phone-bridge tracks: the same pipeline, sessions and broadcasting as hub streams.</summary>
public sealed class PhoneSessions(NodeSessions sessions, ModelHost models, SessionForwarder forwarder,
    IOptions<StreamHubOptions> options, ILogger<PhoneSessions> logger)
{
    /// <summary>Starts a session, or returns null with the limit that refused it.</summary>
    public (LiveSession? Session, string? Error) Start(string source, AudioFormat format, string? callId, string? track, string? label, string owner)
    {
        var id = Guid.NewGuid().ToString("N");
        var pipeline = new SessionPipeline(id, format, models.Batcher);
        var session = new LiveSession(id, null, pipeline, source, label, callId, track, owner);
        var error = sessions.TryAdd(session, options.Value.MaxConcurrentSessions, int.MaxValue);
        if (error is not null)
        {
            pipeline.Abort();
            logger.LogWarning("{Source} call {CallId} track {Track} refused: {Code}", source, callId, track, error);
            return (null, error);
        }
        session.Forwarding = forwarder.ForwardAsync(session);
        logger.LogInformation("Session {SessionId} started: {Source} call {CallId} track {Track}", id, source, callId, track);
        return (session, null);
    }

    /// <summary>Ends a session normally (its remaining updates and summary are computed and sent), then unregisters it.</summary>
    public async Task FinishAsync(LiveSession session)
    {
        session.Pipeline.Complete();
        await session.Forwarding;
        sessions.Remove(session.Id);
        await session.Pipeline.DisposeAsync();
    }
}

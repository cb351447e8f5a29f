using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// Opens a <see cref="LiveSession"/> for any door (a hub connection, a Twilio track, an AudioSocket call): its
/// <see cref="SessionPipeline"/>, its place in <see cref="NodeSessions"/> within the limits, and its forwarding by
/// <see cref="SessionForwarder"/>; and finishes one normally.
/// </summary>
public sealed class SessionOpener(NodeSessions sessions, ModelHost models, SessionForwarder forwarder,
    IOptions<StreamHubOptions> options, ILogger<SessionOpener> logger)
{
    /// <summary>
    /// Opens a session, or returns the limit that refused it (<see cref="HubError.TooManySessions"/>; for a hub
    /// connection also <see cref="HubError.TooManyStreams"/>) and leaves nothing behind.
    /// </summary>
    public (LiveSession? Session, string? Refusal) Open(AudioFormat format, string source, string? label, string? owner,
        string? connectionId = null, string? callId = null, string? track = null, string? agent = null, string? queue = null,
        bool compact = false, bool batched = false)
    {
        var limits = options.Value;
        var id = Guid.NewGuid().ToString("N");
        var pipeline = new SessionPipeline(id, format, models.Batcher);
        var session = new LiveSession(id, connectionId, pipeline, source, label, callId, track, owner, agent, queue, compact, batched && connectionId is not null);
        var refusal = sessions.TryAdd(session, limits.MaxConcurrentSessions, limits.MaxStreamsPerConnection);
        if (refusal is not null)
        {
            pipeline.Abort();
            logger.LogWarning("{Source} session refused (connection {ConnectionId}, call {CallId}, track {Track}): {Code}",
                source, connectionId, callId, track, refusal);
            return (null, refusal);
        }
        session.Forwarding = forwarder.ForwardAsync(session);
        logger.LogInformation("Session {SessionId} started: {Source}, {Encoding} {SampleRate} Hz x{Channels}, connection {ConnectionId}, call {CallId}, track {Track}",
            id, source, format.Encoding.ToWireName(), format.SampleRate, format.Channels, connectionId, callId, track);
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

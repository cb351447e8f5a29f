using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Security;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Hubs;

/// <summary>
/// `/hubs/emotion`: StartSession declares a format, StreamAudio streams chunks in, and EmotionUpdate /
/// SessionSummary / SessionError events flow back to the caller (docs/PROTOCOL.md). Every caller is authenticated
/// (the endpoint requires it); streaming needs the client role; a client lists and watches only the sessions it owns,
/// supervisors all of them, and only supervisors subscribe to every session's alerts.
/// </summary>
public sealed class EmotionHub(
    NodeSessions sessions,
    SessionOpener opener,
    ModelHost models,
    ISessionDirectory directory,
    ListenerRegistry listeners,
    Alerts.AlertEngine alerts,
    Observability.HubMetrics metrics,
    IOptions<StreamHubOptions> options,
    ILogger<EmotionHub> logger) : Hub
{
    public const string Path = "/hubs/emotion";

    public SessionStarted StartSession(StartSessionRequest request)
    {
        if (Context.User is not { } user || !user.CanStream())
            throw Fail(null, HubError.Forbidden, "streaming needs the client role");
        AudioFormat format;
        try
        {
            format = AudioFormat.Parse(request.Encoding, request.SampleRate, request.Channels);
        }
        catch (AudioFormatException e)
        {
            throw Fail(null, HubError.FormatInvalid, e.Message);
        }
        // Agent and queue are stored with every session and grouped on by the trends: short names, not payloads.
        foreach (var (name, value) in new[] { ("agent", request.Agent), ("queue", request.Queue) })
            if (value is { Length: > StartSessionRequest.MaxNameLength })
                throw Fail(null, HubError.FormatInvalid, $"{name} must be at most {StartSessionRequest.MaxNameLength} characters, was {value.Length}");
        var (session, refusal) = opener.Open(format, request.Source ?? "hub", request.Label, user.Owner(), Context.ConnectionId,
            agent: request.Agent, queue: request.Queue, compact: request.Compact, batched: request.Batch);
        if (session is null)
            throw Fail(null, refusal!, refusal == HubError.TooManySessions
                ? $"the server is at its limit of {options.Value.MaxConcurrentSessions} concurrent sessions"
                : $"this connection already has {options.Value.MaxStreamsPerConnection} open sessions");
        return new SessionStarted(session.Id, FeatureSchema.UpdateFrames / (double)FeatureSchema.FramesPerSecond, models.Model.WindowSeconds, EmotionLabels.All);
    }

    public async Task StreamAudio(string sessionId, IAsyncEnumerable<byte[]> audio)
    {
        var session = Claim(sessionId);
        var intake = new AudioIntake(session.Pipeline.Format, options.Value);
        var pipeline = session.Pipeline;
        try
        {
            await using var chunks = audio.GetAsyncEnumerator(Context.ConnectionAborted);
            while (true)
            {
                try
                {
                    if (!await chunks.MoveNextAsync()) break;
                }
                catch (Exception e) when (e is HubException or OperationCanceledException)
                {
                    // The client cancelled its upload stream or went away: the session ends with what it had.
                    logger.LogInformation("Session {SessionId}: the client ended its audio stream abruptly ({Message})", sessionId, e.Message);
                    return;
                }
                var chunk = chunks.Current;
                if (intake.Problem(chunk) is { } problem) throw Fail(sessionId, problem.Code, problem.Message);
                // The protocol gives each chunk its own array, used nowhere else: the pipeline may keep it instead of a copy.
                if (!await pipeline.WriteOwnedAsync(chunk, Context.ConnectionAborted)) break;
            }
            pipeline.Complete();
            await session.Forwarding;
            try
            {
                // Awaited, not inspected: the update stream can report a failure a moment before the task is marked faulted.
                await pipeline.Completion;
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                throw new HubException($"{(error is AudioFormatException ? HubError.ChunkInvalid : HubError.Internal)}: {error.Message}");
            }
        }
        finally
        {
            End(session);
        }
    }

    /// <summary>
    /// One audio stream for several of this connection's sessions (a gateway's calls, a load client): each item is a
    /// round of chunks, one entry per session in <paramref name="sessionIds"/>' order — null for no audio this round,
    /// an empty array to end that session's audio. One message a round instead of one per session and chunk
    /// (docs/PROTOCOL.md). A bad chunk or a limit ends its own session with a SessionError; the others go on. The
    /// stream's end completes every session still open; the invocation completes when all are finished.
    /// </summary>
    public async Task StreamAudioBundle(string[] sessionIds, IAsyncEnumerable<byte[]?[]> rounds)
    {
        if (sessionIds is not { Length: > 0 })
            throw Fail(null, HubError.ChunkInvalid, "a bundle names at least one session");
        if (sessionIds.Distinct().Count() != sessionIds.Length)
            throw Fail(null, HubError.ChunkInvalid, "a bundle names each session once");
        foreach (var id in sessionIds)
            if (sessions.Get(id) is not { } s || s.ConnectionId != Context.ConnectionId)
                throw Fail(null, HubError.NoSession, $"no session '{id}' on this connection: call StartSession first to declare the audio format");
        // Claimed only when all are known, so a refused bundle leaves every session free to stream.
        var members = new List<LiveSession>(sessionIds.Length);
        foreach (var id in sessionIds)
        {
            try
            {
                members.Add(Claim(id));
            }
            catch (HubException)
            {
                foreach (var m in members) Interlocked.Exchange(ref m.Streaming, 0);
                throw;
            }
        }
        var intakes = members.Select(m => new AudioIntake(m.Pipeline.Format, options.Value)).ToArray();
        var finishing = new Task?[members.Count];
        try
        {
            await using var items = rounds.GetAsyncEnumerator(Context.ConnectionAborted);
            while (true)
            {
                try
                {
                    if (!await items.MoveNextAsync()) break;
                }
                catch (Exception e) when (e is HubException or OperationCanceledException)
                {
                    logger.LogInformation("Bundle of {Count} sessions: the client ended its audio stream abruptly ({Message})", members.Count, e.Message);
                    return;
                }
                var round = items.Current;
                if (round is null || round.Length != members.Count)
                {
                    string problem = $"a bundle round must hold {members.Count} entries, one per session, was {round?.Length ?? 0}";
                    for (int i = 0; i < members.Count; i++)
                        if (finishing[i] is null) Fail(members[i].Id, HubError.ChunkInvalid, problem);
                    throw new HubException($"{HubError.ChunkInvalid}: {problem}");
                }
                for (int i = 0; i < round.Length; i++)
                {
                    if (round[i] is not { } chunk || finishing[i] is not null) continue;
                    var member = members[i];
                    if (chunk.Length == 0)
                    {
                        finishing[i] = FinishAsync(member);
                        continue;
                    }
                    if (intakes[i].Problem(chunk) is { } problem)
                    {
                        Fail(member.Id, problem.Code, problem.Message);
                        finishing[i] = FinishAsync(member);
                        continue;
                    }
                    if (!await member.Pipeline.WriteOwnedAsync(chunk, Context.ConnectionAborted)) finishing[i] = FinishAsync(member);
                }
            }
            for (int i = 0; i < members.Count; i++) finishing[i] ??= FinishAsync(members[i]);
            await Task.WhenAll(finishing!);
        }
        finally
        {
            foreach (var m in members) End(m);
        }
    }

    // The session is this connection's and not streaming yet: it is now.
    private LiveSession Claim(string sessionId)
    {
        var session = sessions.Get(sessionId);
        if (session is null || session.ConnectionId != Context.ConnectionId)
            throw Fail(sessionId, HubError.NoSession, $"no session '{sessionId}' on this connection: call StartSession first to declare the audio format");
        if (Interlocked.Exchange(ref session.Streaming, 1) == 1)
            throw Fail(sessionId, HubError.ChunkInvalid, $"session '{sessionId}' is already streaming");
        return session;
    }

    // A bundled session's end: its last updates and summary, or the error its forwarder has already sent; then it
    // leaves the node, freeing its place on the connection while the bundle's other sessions go on.
    private async Task FinishAsync(LiveSession session)
    {
        session.Pipeline.Complete();
        await session.Forwarding;
        try
        {
            await session.Pipeline.Completion;
        }
        catch (Exception)
        {
            // Reported to the owner as a SessionError by the forwarder (or by Fail, which aborted it).
        }
        End(session);
    }

    private void End(LiveSession session)
    {
        session.Pipeline.Abort();
        sessions.Remove(session.Id);
    }

    /// <summary>Live sessions from every door (hub streams, phone calls) on every node, newest first: all of them for
    /// a supervisor, the caller's own for a client.</summary>
    public async Task<List<LiveSessionInfo>> ListSessions()
    {
        var user = Context.User!;
        return (await directory.ListAsync()).Where(s => user.MaySee(s.Owner)).OrderByDescending(s => s.StartedAt).ToList();
    }

    /// <summary>Receive a live session's EmotionUpdate / SessionSummary / SessionError / Alert events from now on,
    /// wherever it runs. A session the caller may not see is "not found", exactly like one that does not exist.</summary>
    public async Task<LiveSessionInfo> Watch(string sessionId)
    {
        var session = await directory.GetAsync(sessionId);
        if (session is null || !Context.User!.MaySee(session.Owner))
            throw Fail(null, HubError.NotFound, $"no live session '{sessionId}'");
        // This node sends to its own sessions' watchers one by one; another node's session reaches us through the group.
        if (sessions.Get(sessionId) is not null) listeners.Watch(sessionId, Context.ConnectionId);
        await Groups.AddToGroupAsync(Context.ConnectionId, SessionForwarder.WatchGroup(sessionId));
        return session;
    }

    /// <summary>Receive Alert events from every session from now on (supervisors); returns this node's recent alerts
    /// (oldest first).</summary>
    public async Task<AlertMessage[]> SubscribeAlerts()
    {
        if (!Context.User!.CanSupervise()) throw Fail(null, HubError.Forbidden, "alerts from every session need the supervisor role");
        listeners.SubscribeAlerts(Context.ConnectionId);
        await Groups.AddToGroupAsync(Context.ConnectionId, SessionForwarder.AlertsGroup);
        return alerts.Recent;
    }

    public Task Unwatch(string sessionId)
    {
        listeners.Unwatch(sessionId, Context.ConnectionId);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, SessionForwarder.WatchGroup(sessionId));
    }

    public override Task OnConnectedAsync()
    {
        listeners.Connected(Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        listeners.Disconnected(Context.ConnectionId);
        foreach (var session in sessions.ForConnection(Context.ConnectionId))
        {
            session.Pipeline.Abort();
            sessions.Remove(session.Id);
            logger.LogInformation("Session {SessionId} ended by disconnect after {Seconds:F1} s of audio", session.Id, session.Pipeline.AudioSeconds);
        }
        return base.OnDisconnectedAsync(exception);
    }

    private HubException Fail(string? sessionId, string code, string message)
    {
        logger.LogWarning("Session {SessionId} rejected on {ConnectionId}: {Code} {Message}", sessionId, Context.ConnectionId, code, message);
        metrics.Error(code);
        if (sessionId is not null && sessions.Get(sessionId) is { } session && session.ConnectionId == Context.ConnectionId)
        {
            // The abort ends the updates and the forwarder then summarises: it must know first that the owner gets
            // an error instead (else a summary could overtake the error and the client take the session as complete).
            session.Refused = true;
            session.Pipeline.Abort();
            _ = Clients.Caller.SendAsync("SessionError", new SessionErrorMessage(sessionId, code, message));
        }
        return new HubException($"{code}: {message}");
    }
}

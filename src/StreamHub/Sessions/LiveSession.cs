using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// A live session from any door: the streaming pipeline, whose it is, who owns it (a hub connection, or none for a phone bridge),
/// what call and track it belongs to, and the task forwarding its updates.
/// </summary>
public sealed class LiveSession(string id, string? connectionId, SessionPipeline pipeline, string? source, string? label,
    string? callId = null, string? track = null, string? owner = null, string? agent = null, string? queue = null, bool compact = false, bool batched = false)
{
    private EmotionUpdate? _latest;
    private int _speechUpdates, _negativeUpdates, _alerts;

    /// <summary>Who streams it (an API key's name or a token's subject): clients see only sessions they own.</summary>
    public string? Owner { get; } = owner;
    public string Id { get; } = id;
    public string? ConnectionId { get; } = connectionId;
    public SessionPipeline Pipeline { get; } = pipeline;
    public string? Source { get; } = source;
    public string? Label { get; } = label;
    public string? CallId { get; } = callId;
    public string? Track { get; } = track;

    /// <summary>What this session is in its call: caller (Twilio inbound, AudioSocket), agent (Twilio outbound) or speaker.</summary>
    public string Role { get; } = CallLog.CallRoles.Of(track);

    /// <summary>The agent and queue of the call (hub: StartSessionRequest; Twilio: customParameters agent and queue).</summary>
    public string? Agent { get; } = agent;
    public string? Queue { get; } = queue;

    /// <summary>The owner asked for compact updates (StartSession <c>compact</c>).</summary>
    public bool Compact { get; } = compact || batched;

    /// <summary>The owner asked for batched compact updates (StartSession <c>batch</c>): they go through the connection's
    /// <see cref="UpdateOutboxes"/>.</summary>
    public bool Batched { get; } = batched;

    /// <summary>The latest update, for the live listing (null before the first).</summary>
    public EmotionUpdate? Latest => Volatile.Read(ref _latest);

    /// <summary>Share of this session's speech updates so far whose top label is negative (sad, angry, fearful, disgust).</summary>
    public double NegativeShare => Volatile.Read(ref _speechUpdates) is var n and > 0 ? Volatile.Read(ref _negativeUpdates) / (double)n : 0;

    /// <summary>Alerts raised on this session so far.</summary>
    public int Alerts => Volatile.Read(ref _alerts);

    /// <summary>Notes an update (called by the forwarder, in order, from one task).</summary>
    public void Observed(EmotionUpdate update, int alertsRaised)
    {
        if (update.Speech)
        {
            if (update.Top is { } top && EmotionLabels.Negative.Contains(top)) Interlocked.Increment(ref _negativeUpdates);
            Interlocked.Increment(ref _speechUpdates);
        }
        if (alertsRaised > 0) Interlocked.Add(ref _alerts, alertsRaised);
        Volatile.Write(ref _latest, update);
    }
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;
    public int Streaming;

    /// <summary>The hub refused this session's audio and sent its owner a SessionError: the owner gets no summary
    /// (watchers still do). Set before the pipeline is aborted, so the forwarder sees it when the updates end.</summary>
    public volatile bool Refused;
    public Task Forwarding { get; set; } = Task.CompletedTask;
}

using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace VoiceEmotion.Client;

/// <summary>
/// Several sessions of this connection streamed over one audio stream (StreamAudioBundle): each
/// <see cref="SendAsync"/> is one message with a chunk (or nothing) for every session, instead of a message per
/// session and chunk — for a gateway that carries many calls, or a load client. Each session keeps its own updates,
/// summary and errors (<see cref="Sessions"/>): a bad chunk or a limit ends only its session. Completing the bundle
/// ends every session still open; disposing one that has not completed cancels it (the server ends the sessions with
/// the audio they had).
/// </summary>
public sealed class AudioBundle : IAsyncDisposable
{
    private readonly Channel<byte[]?[]> _rounds = Channel.CreateBounded<byte[]?[]>(new BoundedChannelOptions(4) { SingleWriter = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly BundledSession[] _sessions;
    private readonly Task _streaming;
    private readonly Action<AudioBundle> _forget;

    internal AudioBundle(HubConnection connection, BundledSession[] sessions, Action<AudioBundle> forget)
    {
        _sessions = sessions;
        _forget = forget;
        _streaming = Run(connection.InvokeAsync("StreamAudioBundle", sessions.Select(s => s.SessionId).ToArray(), _rounds.Reader, _abort.Token));
        _streaming.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted); // reported through each Summary too
    }

    /// <summary>Most audio bytes in one round: the hub takes messages of up to 1 MiB and closes a connection that sends a
    /// larger one (ending all its sessions), so a larger round is refused here first.</summary>
    public const int MaxRoundBytes = 1_000_000;

    /// <summary>The bundle's sessions, in the order of every round's chunks.</summary>
    public IReadOnlyList<BundledSession> Sessions => _sessions;

    /// <summary>Sends one round: <paramref name="chunks"/>[i] for <see cref="Sessions"/>[i], each whole sample frames of
    /// that session's format; an empty entry sends nothing for that session this time. Throws
    /// <see cref="ArgumentException"/> for a round of the wrong length, a chunk that is not whole sample frames or one for
    /// a session already ended (<see cref="EndAsync"/>), or a round of more than <see cref="MaxRoundBytes"/>. Waits while the
    /// connection's small send buffer is full.</summary>
    public async ValueTask SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> chunks, CancellationToken cancellationToken = default)
    {
        if (chunks.Count != _sessions.Length)
            throw new ArgumentException($"a round holds one entry per session: {_sessions.Length}, not {chunks.Count}", nameof(chunks));
        long total = 0;
        for (int i = 0; i < chunks.Count; i++) total += chunks[i].Length;
        if (total > MaxRoundBytes)
            throw new ArgumentException($"a round of {total} bytes is over the {MaxRoundBytes}-byte limit of one hub message: send it as several rounds", nameof(chunks));
        var round = new byte[]?[_sessions.Length];
        for (int i = 0; i < round.Length; i++)
        {
            if (chunks[i].Length == 0) continue;
            if (_sessions[i].AudioEnded) throw new ArgumentException($"session {i} ({_sessions[i].SessionId}) has ended its audio", nameof(chunks));
            _sessions[i].Accept(chunks[i].Length);
            round[i] = chunks[i].ToArray();
        }
        long now = TimeProvider.System.GetTimestamp();
        for (int i = 0; i < round.Length; i++)
            if (round[i] is { } chunk) _sessions[i].Sent(chunk.Length, now);
        await WriteAsync(round, cancellationToken);
    }

    /// <summary>Ends one session's audio: the server sends its last updates and its summary; the others go on.</summary>
    public async ValueTask EndAsync(int index, CancellationToken cancellationToken = default)
    {
        if (_sessions[index].AudioEnded) return;
        _sessions[index].AudioEnded = true;
        var round = new byte[]?[_sessions.Length];
        round[index] = [];
        await WriteAsync(round, cancellationToken);
    }

    private async ValueTask WriteAsync(byte[]?[] round, CancellationToken cancellationToken)
    {
        try
        {
            await _rounds.Writer.WriteAsync(round, cancellationToken);
        }
        catch (ChannelClosedException) when (_streaming.IsFaulted)
        {
            await _streaming; // throws the bundle's error
        }
    }

    /// <summary>Ends the audio of every session still open. Completes when the server has finished them all (each
    /// session's <see cref="SessionFeed.Summary"/> has its outcome); throws <see cref="VoiceEmotionException"/> when the
    /// bundle as a whole failed (a malformed round, the connection lost).</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        _rounds.Writer.TryComplete();
        await _streaming.WaitAsync(cancellationToken);
    }

    private async Task Run(Task invocation)
    {
        try
        {
            await invocation;
        }
        catch (Exception e)
        {
            var cancelled = e is OperationCanceledException && _abort.IsCancellationRequested;
            VoiceEmotionException For(string? id) => cancelled
                ? new VoiceEmotionException(ErrorCodes.Cancelled, "the bundle was cancelled; the server ended its sessions with the audio they had", sessionId: id)
                : e is HubException ? VoiceEmotionException.FromHub(e, id)
                : new VoiceEmotionException(ErrorCodes.ConnectionLost, e.Message, sessionId: id, inner: e);
            _rounds.Writer.TryComplete();
            foreach (var s in _sessions) s.Fail(For(s.SessionId));
            throw For(null);
        }
        finally
        {
            _forget(this);
        }
    }

    /// <summary>Cancels a bundle that has not completed and stops listening for its sessions' events.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_streaming.IsCompleted) await _abort.CancelAsync();
        try { await _streaming; } catch (Exception) { /* reported through each Summary */ }
        _abort.Dispose();
    }
}

/// <summary>One session of an <see cref="AudioBundle"/>: its audio goes out in the bundle's rounds; its updates,
/// summary and errors are its own.</summary>
public sealed class BundledSession : AudioFeed
{
    internal BundledSession(SessionStarted started, AudioFormat format, SessionOptions options) : base(started, format, options.BufferUpdates)
    {
    }

    internal bool AudioEnded { get; set; }

    internal void Accept(int length) => Check(length, "chunks");

    internal void Sent(int length, long timestamp)
    {
        Sending(length, timestamp);
        BytesSent += length;
    }
}

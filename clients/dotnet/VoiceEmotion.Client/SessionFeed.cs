using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace VoiceEmotion.Client;

/// <summary>
/// What the hub sends about one session — its updates in order, its alerts, then its summary or its error — to a
/// session's owner (<see cref="EmotionStream"/>) or a supervisor watching it (<see cref="SessionWatch"/>).
/// </summary>
public abstract class SessionFeed
{
    private readonly Channel<EmotionUpdate>? _updates;
    private readonly TaskCompletionSource<SessionSummary> _summary = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private protected SessionFeed(string sessionId, bool bufferUpdates)
    {
        SessionId = sessionId;
        if (bufferUpdates) _updates = Channel.CreateUnbounded<EmotionUpdate>(new UnboundedChannelOptions { SingleWriter = true });
        _summary.Task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted); // observed even if nobody awaits it
    }

    /// <summary>The session's id.</summary>
    public string SessionId { get; }

    /// <summary>Raised for each update as it arrives, on the connection's receive loop: keep handlers short.</summary>
    public event Action<EmotionUpdate>? UpdateReceived;

    /// <summary>Raised for each alert raised on this session.</summary>
    public event Action<AlertMessage>? AlertReceived;

    /// <summary>Completes with the summary, or fails with a <see cref="VoiceEmotionException"/> (the session's error
    /// code, or <see cref="ErrorCodes.ConnectionLost"/>).</summary>
    public Task<SessionSummary> Summary => _summary.Task;

    /// <summary>Updates received so far.</summary>
    public int UpdateCount => Volatile.Read(ref _updateCount);

    private int _updateCount;

    /// <summary>Every update in order, ending after the last one once the summary has come; throws the session's
    /// <see cref="VoiceEmotionException"/> if it ended with an error. One reader at a time.</summary>
    public async IAsyncEnumerable<EmotionUpdate> ReadUpdatesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_updates is null) throw new InvalidOperationException("updates are not buffered for this session (SessionOptions.BufferUpdates is false): use UpdateReceived");
        while (await _updates.Reader.WaitToReadAsync(cancellationToken))
            while (_updates.Reader.TryRead(out var update)) yield return update;
    }

    internal void OnUpdate(EmotionUpdate update)
    {
        Interlocked.Increment(ref _updateCount);
        _updates?.Writer.TryWrite(update);
        UpdateReceived?.Invoke(update);
    }

    internal void OnAlert(AlertMessage alert) => AlertReceived?.Invoke(alert);

    internal void OnSummary(SessionSummary summary)
    {
        _updates?.Writer.TryComplete();
        _summary.TrySetResult(summary);
    }

    internal void Fail(VoiceEmotionException error)
    {
        _updates?.Writer.TryComplete(error);
        _summary.TrySetException(error);
    }

    internal bool Ended => _summary.Task.IsCompleted;
}

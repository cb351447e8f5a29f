using Microsoft.AspNetCore.SignalR;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace VoiceEmotion.Client;

/// <summary>
/// One session this connection streams audio into (StartSession + StreamAudio). Send chunks yourself
/// (<see cref="SendAsync"/> then <see cref="CompleteAsync"/>) or hand over a source with optional real-time pacing
/// (<see cref="StreamAsync(Stream, StreamPacing?, CancellationToken)"/> and its overloads); read what comes back through
/// <see cref="SessionFeed"/>. Disposing a stream that has not completed cancels it: the server ends the session with
/// the audio it had.
/// </summary>
public sealed class EmotionStream : AudioFeed, IAsyncDisposable
{
    private readonly Channel<byte[]> _audio = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(4) { SingleWriter = true });
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _streaming;
    private readonly Action<string> _forget;

    internal EmotionStream(HubConnection connection, SessionStarted started, AudioFormat format, SessionOptions options, Action<string> forget)
        : base(started, format, options.BufferUpdates)
    {
        _forget = forget;
        _streaming = Run(connection.InvokeAsync("StreamAudio", started.SessionId, _audio.Reader, _abort.Token));
        _streaming.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted); // reported through Summary too
    }

    /// <summary>Sends one chunk: whole sample frames of <see cref="AudioFeed.Format"/>, not empty (the hub ends the session with
    /// <c>chunk_invalid</c> otherwise, so this throws <see cref="ArgumentException"/> first). Waits while the
    /// connection's small send buffer is full.</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default) =>
        SendCoreAsync(chunk, TimeProvider.System, cancellationToken);

    private async ValueTask SendCoreAsync(ReadOnlyMemory<byte> chunk, TimeProvider clock, CancellationToken cancellationToken)
    {
        Check(chunk.Length, nameof(chunk));
        Sending(chunk.Length, clock.GetTimestamp());
        try
        {
            await _audio.Writer.WriteAsync(chunk.ToArray(), cancellationToken);
        }
        catch (ChannelClosedException) when (_streaming.IsFaulted)
        {
            await _streaming; // throws the session's error
        }
        BytesSent += chunk.Length;
    }

    /// <summary>Ends the audio: the server sends the last updates and the summary. Completes when the server has
    /// finished the session; throws <see cref="VoiceEmotionException"/> with the session's error code.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        _audio.Writer.TryComplete();
        await _streaming.WaitAsync(cancellationToken);
    }

    /// <summary>Streams raw audio in <see cref="AudioFeed.Format"/> from <paramref name="audio"/> to its end, cut into
    /// <see cref="StreamPacing.ChunkDuration"/> chunks and paced; then completes and returns the summary.</summary>
    public Task<SessionSummary> StreamAsync(Stream audio, StreamPacing? pacing = null, CancellationToken cancellationToken = default)
    {
        pacing ??= StreamPacing.RealTime;
        return StreamAsync(ReadChunks(audio, pacing.ChunkBytes(Format), cancellationToken), pacing, cancellationToken);
    }

    /// <summary>Streams a WAV file (any format the server reads) to its end, paced; then completes and returns the summary.
    /// The stream must have been started with <see cref="WavAudio.Format"/>.</summary>
    public Task<SessionSummary> StreamAsync(WavAudio wav, StreamPacing? pacing = null, CancellationToken cancellationToken = default)
    {
        if (wav.Format != Format) throw new ArgumentException($"the file is {wav.Format} but the session was started as {Format}", nameof(wav));
        pacing ??= StreamPacing.RealTime;
        return StreamAsync(wav.ReadChunksAsync(pacing.ChunkBytes(Format) / Format.BytesPerFrame, cancellationToken), pacing, cancellationToken);
    }

    /// <summary>Streams chunks as they come (each whole sample frames of <see cref="AudioFeed.Format"/>), paced on their audio
    /// time (<see cref="StreamPacing.AsFastAsPossible"/> for a live source that is paced already); then completes
    /// and returns the summary. Cancelling ends the session early with the audio sent so far.</summary>
    public async Task<SessionSummary> StreamAsync(IAsyncEnumerable<byte[]> chunks, StreamPacing? pacing = null, CancellationToken cancellationToken = default)
    {
        pacing ??= StreamPacing.RealTime;
        using var cancel = cancellationToken.Register(() => _abort.Cancel());
        long start = pacing.Clock.GetTimestamp();
        double startSeconds = SecondsSent;
        await foreach (var chunk in chunks.WithCancellation(cancellationToken))
        {
            if (pacing.Speed > 0)
            {
                var at = TimeSpan.FromSeconds((SecondsSent - startSeconds) / pacing.Speed);
                // Timers count whole milliseconds and may fire a little early: wait again until the clock says it is time.
                for (var due = at - pacing.Clock.GetElapsedTime(start); due > TimeSpan.Zero; due = at - pacing.Clock.GetElapsedTime(start))
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(due.TotalMilliseconds)), pacing.Clock, cancellationToken);
            }
            await SendCoreAsync(chunk, pacing.Clock, cancellationToken);
        }
        await CompleteAsync(cancellationToken);
        return await Summary.WaitAsync(cancellationToken);
    }

    private static async IAsyncEnumerable<byte[]> ReadChunks(Stream audio, int chunkBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var chunk = new byte[chunkBytes];
            int filled = await audio.ReadAtLeastAsync(chunk, chunkBytes, throwOnEndOfStream: false, cancellationToken);
            if (filled == 0) yield break;
            yield return filled == chunkBytes ? chunk : chunk[..filled];
            if (filled < chunkBytes) yield break;
        }
    }

    private async Task Run(Task invocation)
    {
        try
        {
            await invocation;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            var cancelled = new VoiceEmotionException(ErrorCodes.Cancelled, "the stream was cancelled; the server ended the session with the audio it had", sessionId: SessionId);
            Fail(cancelled);
            _forget(SessionId);
            throw cancelled;
        }
        catch (Exception e) when (e is not VoiceEmotionException)
        {
            var error = e is HubException ? VoiceEmotionException.FromHub(e, SessionId)
                : new VoiceEmotionException(ErrorCodes.ConnectionLost, e.Message, sessionId: SessionId, inner: e);
            _audio.Writer.TryComplete(error);
            Fail(error);
            _forget(SessionId);
            throw error;
        }
    }

    /// <summary>Cancels a stream that has not completed and stops listening for its events.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_streaming.IsCompleted) await _abort.CancelAsync();
        try { await _streaming; } catch (Exception) { /* reported through Summary */ }
        _forget(SessionId);
        _abort.Dispose();
    }
}

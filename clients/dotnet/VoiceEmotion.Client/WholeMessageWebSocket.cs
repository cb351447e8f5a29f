using System.Buffers;
using System.Net.WebSockets;

namespace VoiceEmotion.Client;

/// <summary>
/// The client's WebSocket under SignalR, sending each message as one frame. SignalR's transport hands a message that
/// spans several of its 4 KiB pipe segments to the socket one segment at a time, each as a frame of its own: an 80 KB
/// bundle of ten calls' 250 ms chunks went out as ~20 frames, and every client frame costs a random mask key (an
/// OpenSSL call with a lock and a fork check) and a send system call, on both ends of the connection. Here the
/// parts of a message are gathered and sent when its last part comes; a message larger than
/// <see cref="MaxGathered"/> still goes out in parts of that size, so the protocol's fragmentation is kept, not
/// replaced. Everything else is the inner socket's.
/// </summary>
internal sealed class WholeMessageWebSocket(WebSocket inner) : WebSocket
{
    /// <summary>The most a message's parts are gathered to before they go out as a (non-final) frame.</summary>
    internal const int MaxGathered = 1 << 20;

    private byte[]? _gathered;
    private int _count;

    public override WebSocketCloseStatus? CloseStatus => inner.CloseStatus;
    public override string? CloseStatusDescription => inner.CloseStatusDescription;
    public override WebSocketState State => inner.State;
    public override string? SubProtocol => inner.SubProtocol;

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        // The common case, a message in one segment, is passed straight through.
        if (_count == 0 && endOfMessage) return inner.SendAsync(buffer, messageType, endOfMessage: true, cancellationToken);
        if (_count + buffer.Length <= MaxGathered)
        {
            Gather(buffer.Span);
            return endOfMessage ? SendGatheredAsync(messageType, endOfMessage: true, cancellationToken) : ValueTask.CompletedTask;
        }
        return SendOverflowAsync(buffer, messageType, endOfMessage, cancellationToken);
    }

    public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, WebSocketMessageFlags messageFlags, CancellationToken cancellationToken) =>
        SendAsync(buffer, messageType, (messageFlags & WebSocketMessageFlags.EndOfMessage) != 0, cancellationToken);

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReceiveAsync(buffer, cancellationToken);

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        inner.ReceiveAsync(buffer, cancellationToken);

    public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseAsync(closeStatus, statusDescription, cancellationToken);

    public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
        inner.CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

    public override void Abort() => inner.Abort();

    // The gathering buffer is not handed back to the pool here: a send the transport abandoned at shutdown may still hold it.
    public override void Dispose() => inner.Dispose();

    private void Gather(ReadOnlySpan<byte> part)
    {
        int needed = _count + part.Length;
        if (_gathered is null || _gathered.Length < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(MaxGathered, (_gathered?.Length ?? 8192) * 2)));
            if (_gathered is not null)
            {
                _gathered.AsSpan(0, _count).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_gathered);
            }
            _gathered = larger;
        }
        part.CopyTo(_gathered.AsSpan(_count));
        _count = needed;
    }

    private ValueTask SendGatheredAsync(WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        int count = _count;
        _count = 0; // a failed send fails the connection: nothing gathered is sent twice
        return inner.SendAsync(_gathered.AsMemory(0, count), messageType, endOfMessage, cancellationToken);
    }

    // More than MaxGathered: what is gathered goes out as a frame of the message, then this part as the next.
    private async ValueTask SendOverflowAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (_count > 0) await SendGatheredAsync(messageType, endOfMessage: false, cancellationToken);
        await inner.SendAsync(buffer, messageType, endOfMessage, cancellationToken);
    }
}

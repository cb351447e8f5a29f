using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Sessions;

/// <summary>
/// Batched sessions' compact updates (StartSession <c>batch</c>), gathered per owning connection: whatever has been
/// queued by the time the connection's sender is free goes out as one <c>EmotionUpdateBatch</c> message. Nothing waits
/// for a batch to fill — a lone update leaves at once — but the model finishes windows of many sessions together, and
/// their updates then share a message instead of costing one each on both sides. Each update's send completes when its
/// batch has been sent, so a session's updates stay in order and a slow reader holds its forwarders back as before.
/// An outbox with nothing queued removes itself.
/// </summary>
public sealed class UpdateOutboxes
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Outbox> _boxes = new();

    /// <summary>Queues <paramref name="update"/> for <paramref name="connectionId"/>; completes when the batch holding it
    /// has been handed to <paramref name="send"/> and that finished.</summary>
    public Task SendAsync(string connectionId, EmotionUpdateCompact update, Func<EmotionUpdateCompact[], Task> send)
    {
        while (true)
        {
            var box = _boxes.GetOrAdd(connectionId, static _ => new Outbox());
            if (box.TryEnqueue(update, out var sent))
            {
                if (sent.Started) _ = PumpAsync(connectionId, box, send);
                return sent.Task;
            }
            // That outbox had just emptied and retired: make way for a new one.
            _boxes.TryRemove(new KeyValuePair<string, Outbox>(connectionId, box));
        }
    }

    /// <summary>Connections with an outbox now (tests).</summary>
    public int Count => _boxes.Count;

    private async Task PumpAsync(string connectionId, Outbox box, Func<EmotionUpdateCompact[], Task> send)
    {
        // Off the forwarder that started it, so updates finished with it by the same model batch can join.
        await Task.Yield();
        while (box.TakeBatch(out var batch, out var done))
        {
            try
            {
                await send(batch);
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
        _boxes.TryRemove(new KeyValuePair<string, Outbox>(connectionId, box));
    }

    private sealed class Outbox
    {
        private List<EmotionUpdateCompact> _queued = [];
        private TaskCompletionSource _queuedSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _pumping, _retired;

        public bool TryEnqueue(EmotionUpdateCompact update, out (Task Task, bool Started) sent)
        {
            lock (this)
            {
                sent = default;
                if (_retired) return false;
                _queued.Add(update);
                sent = (_queuedSent.Task, !_pumping);
                _pumping = true;
                return true;
            }
        }

        /// <summary>Everything queued, and the completion of its send; false (and retired) when nothing is queued.</summary>
        public bool TakeBatch(out EmotionUpdateCompact[] batch, out TaskCompletionSource done)
        {
            lock (this)
            {
                if (_queued.Count == 0)
                {
                    _retired = true;
                    (batch, done) = ([], null!);
                    return false;
                }
                (batch, done) = ([.. _queued], _queuedSent);
                _queued.Clear();
                _queuedSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return true;
            }
        }
    }
}

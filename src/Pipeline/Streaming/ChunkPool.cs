using System.Collections.Concurrent;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// Arrays of exactly a chunk's length, reused: the hub's protocol deserialises every audio chunk into one
/// (<c>PooledChunkFormatter</c>), the session pipeline takes it over (<see cref="SessionPipeline.WriteOwnedAsync"/>) and
/// returns it here once the chunk is analysed. A client sends chunks of one length, so a few arrays per session circle
/// instead of ~32 KB of new arrays per second of audio, most of which lived as long as a queue and were promoted by
/// the GC on the way. <see cref="System.Buffers.ArrayPool{T}"/> does not fit: its arrays are longer than asked, and a
/// chunk's length is part of what it says.
/// <para>
/// Bounded whatever clients send: arrays over <see cref="MaxPooledBytes"/> are never kept, at most
/// <see cref="MaxLengths"/> distinct lengths are pooled, and the arrays held add up to at most the budget. Beyond that
/// <see cref="Return"/> lets the array go to the GC, as before. An array that is never returned (a session aborted with
/// chunks queued) is simply collected.
/// </para>
/// </summary>
public sealed class ChunkPool(long budgetBytes = 64L << 20)
{
    /// <summary>The hub's pool (chunks from every connection).</summary>
    public static ChunkPool Shared { get; } = new();

    /// <summary>The longest array kept: 64 KiB, two seconds of 16 kHz 16-bit mono.</summary>
    public const int MaxPooledBytes = 64 * 1024;

    /// <summary>Distinct lengths pooled at most.</summary>
    public const int MaxLengths = 64;

    private readonly ConcurrentDictionary<int, ConcurrentQueue<byte[]>> _byLength = new();
    private long _held;
    private int _lengths;

    /// <summary>Bytes in the arrays held for reuse.</summary>
    public long HeldBytes => Interlocked.Read(ref _held);

    /// <summary>An array of exactly <paramref name="length"/> bytes (contents undefined): a returned one if there is one.</summary>
    public byte[] Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0) return [];
        if (_byLength.TryGetValue(length, out var queue) && queue.TryDequeue(out var array))
        {
            Interlocked.Add(ref _held, -length);
            return array;
        }
        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Takes <paramref name="array"/> back for reuse; the caller must not touch it again.</summary>
    public void Return(byte[] array)
    {
        int length = array.Length;
        if (length == 0 || length > MaxPooledBytes) return;
        if (!_byLength.TryGetValue(length, out var queue))
        {
            // Counted here, not with the dictionary's Count, which takes every lock (a race may count a length twice:
            // then a little fewer are pooled).
            if (Volatile.Read(ref _lengths) >= MaxLengths) return;
            queue = _byLength.GetOrAdd(length, _ =>
            {
                Interlocked.Increment(ref _lengths);
                return new ConcurrentQueue<byte[]>();
            });
        }
        if (Interlocked.Add(ref _held, length) > budgetBytes)
        {
            Interlocked.Add(ref _held, -length);
            return;
        }
        queue.Enqueue(array);
    }
}

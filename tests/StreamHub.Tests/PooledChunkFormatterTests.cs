using MessagePack;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Hubs;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>The hub protocol's byte arrays come from the chunk pool: same wire format, same values, reused arrays.</summary>
public class PooledChunkFormatterTests
{
    private static readonly MessagePackSerializerOptions Standard = MessagePackSerializerOptions.Standard;

    [Fact]
    public void ChunksReadAsBeforeButInArraysThePoolReuses()
    {
        var pool = new ChunkPool();
        var options = PooledChunkFormatter.Apply(Standard, pool);
        var sent = Enumerable.Range(0, 3200).Select(i => (byte)(i * 7)).ToArray();
        var wire = MessagePackSerializer.Serialize(sent, Standard);
        Assert.Equal(wire, MessagePackSerializer.Serialize(sent, options)); // written as MessagePack writes it

        var first = MessagePackSerializer.Deserialize<byte[]>(wire, options);
        Assert.Equal(sent, first);
        pool.Return(first);
        var second = MessagePackSerializer.Deserialize<byte[]>(wire, options);
        Assert.Same(first, second);
        Assert.Equal(sent, second);
        Assert.Null(MessagePackSerializer.Deserialize<byte[]?>(MessagePackSerializer.Serialize<byte[]?>(null, Standard), options));
    }

    [Fact]
    public void ABundleRoundKeepsItsNullsEmptiesAndChunks()
    {
        var pool = new ChunkPool();
        var options = PooledChunkFormatter.Apply(Standard, pool);
        byte[]?[] round = [new byte[] { 1, 2, 3 }, null, [], new byte[] { 9 }];
        var wire = MessagePackSerializer.Serialize(round, Standard);
        var read = MessagePackSerializer.Deserialize<byte[]?[]>(wire, options);
        Assert.Equal(round, read);
        pool.Return(read[0]!);
        Assert.Same(read[0], MessagePackSerializer.Deserialize<byte[]?[]>(wire, options)[0]); // the elements come from the pool
        // Other inputs as MessagePack's own formatter reads them: str (the old spec's raw bytes) is taken, a number refused.
        var text = MessagePackSerializer.Serialize("text", Standard);
        Assert.Equal(MessagePackSerializer.Deserialize<byte[]>(text, Standard), MessagePackSerializer.Deserialize<byte[]>(text, options));
        var number = MessagePackSerializer.Serialize(42, Standard);
        Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<byte[]>(number, Standard));
        Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<byte[]>(number, options));
    }
}

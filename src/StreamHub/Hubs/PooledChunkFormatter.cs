using System.Buffers;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Hubs;

/// <summary>
/// MessagePack's <c>bin</c> ↔ <c>byte[]</c> for the hub protocol, with every received array rented from a
/// <see cref="ChunkPool"/> instead of allocated: the audio chunks of <see cref="EmotionHub.StreamAudio"/> and
/// <see cref="EmotionHub.StreamAudioBundle"/>, which the session pipeline returns once analysed. The wire format is
/// MessagePack's own (bin 8/16/32 or nil), so clients see no difference.
/// </summary>
internal sealed class PooledChunkFormatter(ChunkPool pool) : IMessagePackFormatter<byte[]?>
{
    public void Serialize(ref MessagePackWriter writer, byte[]? value, MessagePackSerializerOptions options) => writer.Write(value);

    public byte[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.ReadBytes() is not { } bytes) return null;
        var array = pool.Rent(checked((int)bytes.Length));
        bytes.CopyTo(array);
        return array;
    }

    /// <summary><paramref name="options"/> with byte arrays read through this formatter, everything else as before.</summary>
    public static MessagePackSerializerOptions Apply(MessagePackSerializerOptions options, ChunkPool pool) =>
        options.WithResolver(CompositeResolver.Create([new PooledChunkFormatter(pool)], [options.Resolver]));
}

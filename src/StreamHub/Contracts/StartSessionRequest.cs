using MessagePack;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>Declares the audio format of the stream that follows (docs/PROTOCOL.md).</summary>
[MessagePackObject]
public sealed class StartSessionRequest
{
    [Key("encoding")] public string? Encoding { get; set; }
    [Key("sampleRate")] public int SampleRate { get; set; }
    [Key("channels")] public int Channels { get; set; } = 1;
    [Key("source")] public string? Source { get; set; }
    [Key("label")] public string? Label { get; set; }
    /// <summary>Longest <see cref="Agent"/> or <see cref="Queue"/>.</summary>
    public const int MaxNameLength = 200;

    [Key("agent")] public string? Agent { get; set; }
    [Key("queue")] public string? Queue { get; set; }

    /// <summary>Send this session's updates to the caller as <c>EmotionUpdateCompact</c> arrays (docs/PROTOCOL.md) instead
    /// of <c>EmotionUpdate</c> maps. Watchers still get maps.</summary>
    [Key("compact")] public bool Compact { get; set; }

    /// <summary>Compact updates (implies <see cref="Compact"/>) that may come several in one <c>EmotionUpdateBatch</c>
    /// message with this connection's other batched sessions' (docs/PROTOCOL.md): one message per burst of updates
    /// instead of one per update, for a connection that carries many sessions.</summary>
    [Key("batch")] public bool Batch { get; set; }
}

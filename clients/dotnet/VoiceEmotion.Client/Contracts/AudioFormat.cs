using MessagePack;

namespace VoiceEmotion.Client;

/// <summary>The audio format of a stream as StartSession declares it: encoding, sample rate (Hz) and channels.</summary>
/// <param name="Encoding">One of <c>pcm16le</c>, <c>float32le</c>, <c>mulaw</c>, <c>alaw</c> (see <see cref="AudioEncodingNames"/>).</param>
/// <param name="SampleRate">Hz, 8000–96000.</param>
/// <param name="Channels">1 or 2 (the server mixes 2 down).</param>
public sealed record AudioFormat(string Encoding, int SampleRate, int Channels = 1)
{
    /// <summary>Signed 16-bit little-endian PCM.</summary>
    public static AudioFormat Pcm16(int sampleRate, int channels = 1) => new(AudioEncodingNames.Pcm16Le, sampleRate, channels);

    /// <summary>32-bit little-endian IEEE float in [-1, 1].</summary>
    public static AudioFormat Float32(int sampleRate, int channels = 1) => new(AudioEncodingNames.Float32Le, sampleRate, channels);

    /// <summary>G.711 mu-law (telephony, usually 8000 Hz).</summary>
    public static AudioFormat MuLaw(int sampleRate = 8000, int channels = 1) => new(AudioEncodingNames.MuLaw, sampleRate, channels);

    /// <summary>G.711 A-law (telephony, usually 8000 Hz).</summary>
    public static AudioFormat ALaw(int sampleRate = 8000, int channels = 1) => new(AudioEncodingNames.ALaw, sampleRate, channels);

    /// <summary>Bytes of one sample frame (all channels): a chunk must hold a whole number of them.</summary>
    public int BytesPerFrame => Channels * Encoding switch
    {
        AudioEncodingNames.Pcm16Le => 2,
        AudioEncodingNames.Float32Le => 4,
        AudioEncodingNames.MuLaw or AudioEncodingNames.ALaw => 1,
        _ => throw new ArgumentException($"unknown encoding '{Encoding}' (pcm16le, float32le, mulaw, alaw)"),
    };

    /// <summary>Bytes of one second of audio.</summary>
    public int BytesPerSecond => BytesPerFrame * SampleRate;

    /// <summary>Seconds of audio in <paramref name="bytes"/> bytes of this format.</summary>
    public double Seconds(long bytes) => bytes / (double)BytesPerSecond;

    internal StartSessionRequest ToRequest(SessionOptions? options) => new()
    {
        Encoding = Encoding, SampleRate = SampleRate, Channels = Channels, Source = options?.Source ?? "client", Label = options?.Label,
        Agent = options?.Agent, Queue = options?.Queue, Compact = options?.CompactUpdates ?? false,
        Batch = options?.BatchUpdates ?? false,
    };
}

/// <summary>Wire names of the encodings the hub accepts.</summary>
public static class AudioEncodingNames
{
    /// <summary>Signed 16-bit little-endian PCM.</summary>
    public const string Pcm16Le = "pcm16le";
    /// <summary>32-bit little-endian IEEE float.</summary>
    public const string Float32Le = "float32le";
    /// <summary>G.711 mu-law, one byte per sample.</summary>
    public const string MuLaw = "mulaw";
    /// <summary>G.711 A-law, one byte per sample.</summary>
    public const string ALaw = "alaw";
}

/// <summary>What a session is stored with: where it comes from and a label of the caller's choosing (e.g. a call id).</summary>
public sealed record SessionOptions
{
    /// <summary>Free text stored with the session (<c>mic</c>, <c>replay</c>, <c>phone</c>…); default <c>client</c>.</summary>
    public string? Source { get; init; }

    /// <summary>A caller-chosen label, e.g. a desk or campaign; <c>/api/calls?label=</c> and alert-rule scopes match it exactly.</summary>
    public string? Label { get; init; }

    /// <summary>The agent handling the call, at most 200 characters (<c>/api/calls?agent=</c>, <c>/api/stats?groupBy=agent</c>).</summary>
    public string? Agent { get; init; }

    /// <summary>The queue or team the call came through, at most 200 characters (<c>/api/calls?queue=</c>,
    /// <c>/api/stats?groupBy=queue</c>, alert-rule scopes).</summary>
    public string? Queue { get; init; }

    /// <summary>Ask the hub for the compact update shape (an array, not a map with string keys: fewer bytes and less
    /// work on both ends at many streams). Updates reach you as the same <see cref="EmotionUpdate"/> either way.</summary>
    public bool CompactUpdates { get; init; }

    /// <summary>Compact updates that may arrive several in one message with this connection's other batched sessions'
    /// (<c>EmotionUpdateBatch</c>): one message per burst instead of one per update, for a connection carrying many
    /// sessions. Implies <see cref="CompactUpdates"/>; updates reach you as the same <see cref="EmotionUpdate"/>, in
    /// order per session.</summary>
    public bool BatchUpdates { get; init; }

    /// <summary>Keep updates for <see cref="SessionFeed.ReadUpdatesAsync"/> (default). Turn off when only
    /// <see cref="SessionFeed.UpdateReceived"/> is used, so nothing is held for a reader that never comes.</summary>
    public bool BufferUpdates { get; init; } = true;
}

/// <summary>The body of StartSession on the wire.</summary>
[MessagePackObject]
public sealed class StartSessionRequest
{
    /// <summary><see cref="AudioFormat.Encoding"/>.</summary>
    [Key("encoding")] public string Encoding { get; set; } = AudioEncodingNames.Pcm16Le;
    /// <summary><see cref="AudioFormat.SampleRate"/>.</summary>
    [Key("sampleRate")] public int SampleRate { get; set; }
    /// <summary><see cref="AudioFormat.Channels"/>.</summary>
    [Key("channels")] public int Channels { get; set; } = 1;
    /// <summary><see cref="SessionOptions.Source"/>.</summary>
    [Key("source")] public string? Source { get; set; }
    /// <summary><see cref="SessionOptions.Label"/>.</summary>
    [Key("label")] public string? Label { get; set; }
    /// <summary><see cref="SessionOptions.Agent"/>.</summary>
    [Key("agent")] public string? Agent { get; set; }
    /// <summary><see cref="SessionOptions.Queue"/>.</summary>
    [Key("queue")] public string? Queue { get; set; }
    /// <summary><see cref="SessionOptions.CompactUpdates"/>.</summary>
    [Key("compact")] public bool Compact { get; set; }
    /// <summary><see cref="SessionOptions.BatchUpdates"/>.</summary>
    [Key("batch")] public bool Batch { get; set; }
}

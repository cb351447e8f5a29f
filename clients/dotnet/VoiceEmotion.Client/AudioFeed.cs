namespace VoiceEmotion.Client;

/// <summary>
/// A session this connection streams audio into — on a stream of its own (<see cref="EmotionStream"/>) or in a
/// bundle with others (<see cref="BundledSession"/>): what StartSession answered, the audio sent so far, and (as a
/// <see cref="SessionFeed"/>) what comes back.
/// </summary>
public abstract class AudioFeed : SessionFeed
{
    private int _chunks;

    private protected AudioFeed(SessionStarted started, AudioFormat format, bool bufferUpdates) : base(started.SessionId, bufferUpdates)
    {
        Started = started;
        Format = format;
    }

    /// <summary>What StartSession answered (update interval, window, labels).</summary>
    public SessionStarted Started { get; }

    /// <summary>The format declared for this session.</summary>
    public AudioFormat Format { get; }

    /// <summary>Raised just before each chunk is handed to the connection (e.g. to measure update latency from it).</summary>
    public event Action<ChunkSent>? ChunkSent;

    /// <summary>Audio bytes sent so far.</summary>
    public long BytesSent { get; private protected set; }

    /// <summary>Audio seconds sent so far.</summary>
    public double SecondsSent => Format.Seconds(BytesSent);

    /// <summary>Throws <see cref="ArgumentException"/> for a chunk the hub would refuse with <c>chunk_invalid</c>
    /// (empty, or not whole sample frames of <see cref="Format"/>).</summary>
    private protected void Check(int length, string parameter)
    {
        if (length == 0) throw new ArgumentException("an audio chunk must not be empty", parameter);
        if (length % Format.BytesPerFrame != 0)
            throw new ArgumentException($"a chunk of {length} bytes is not whole {Format.BytesPerFrame}-byte sample frames of {Format.Encoding} x{Format.Channels}", parameter);
    }

    /// <summary>Raises <see cref="ChunkSent"/> for the next chunk, about to go out.</summary>
    private protected void Sending(int length, long timestamp) =>
        ChunkSent?.Invoke(new ChunkSent(_chunks++, length, SecondsSent, Format.Seconds(BytesSent + length), timestamp));
}

namespace VoiceEmotion.Replay;

/// <summary>
/// Audio a replay session plays, already cut into chunks of <see cref="ChunkBytes"/> (pcm16le mono): one recording, or
/// a call of recordings back to back (<see cref="CallTape"/>). Chunks are shared by every stream: do not modify them.
/// </summary>
public interface ITape
{
    string Label { get; }
    int SampleRate { get; }
    int ChunkBytes { get; }
    /// <summary>Chunks in the tape, or <see cref="int.MaxValue"/> for one that plays until stopped.</summary>
    int Chunks { get; }
    byte[] Chunk(int index);
    /// <summary>Audio seconds covered once chunk <paramref name="index"/> has been sent.</summary>
    double SecondsAfter(int index);
}

/// <summary>
/// A phone call made of recordings: played back to back with <see cref="CallAudio.GapSeconds"/> of silence between them (rounded up
/// to a whole chunk, so that every recording starts on a chunk), looping over the recordings until the stream is stopped.
/// The recordings and gaps are cut into chunks once (<see cref="CallAudio"/>) and shared by every call; a call starts at
/// the recording given, so concurrent calls do not all say the same thing at the same moment.
/// </summary>
public sealed class CallTape(CallAudio audio, int firstRecording, string label) : ITape
{
    private readonly int _offset = audio.FirstChunkOf(firstRecording);

    public string Label => label;
    public int SampleRate => audio.SampleRate;
    public int ChunkBytes => audio.ChunkBytes;
    public int Chunks => int.MaxValue;
    public byte[] Chunk(int index) => audio.Chunk((int)((_offset + (long)index) % audio.Chunks));
    // Every chunk of a call is whole (recordings are padded with silence to a chunk), so seconds follow the index.
    public double SecondsAfter(int index) => (index + 1.0) * ChunkBytes / 2.0 / SampleRate;
}

/// <summary>The audio of the calls of a load run: each recording then silence up to the next whole chunk at least
/// <c>gapSeconds</c> after it, cut into chunks once.</summary>
public sealed class CallAudio
{
    public const double GapSeconds = 0.4;

    private readonly byte[][] _chunks;
    private readonly int[] _firstChunk;

    public CallAudio(IReadOnlyList<Recording> recordings, double gapSeconds = GapSeconds)
    {
        if (recordings.Count == 0) throw new ArgumentException("a call needs at least one recording", nameof(recordings));
        SampleRate = recordings[0].SampleRate;
        ChunkBytes = recordings[0].ChunkBytes;
        if (recordings.FirstOrDefault(r => r.SampleRate != SampleRate) is { } other)
            throw new ArgumentException($"a call has one sample rate: {other.Path} is {other.SampleRate} Hz, {recordings[0].Path} {SampleRate} Hz " +
                                        "(use --session-per-recording to replay recordings of different rates)");
        int gapBytes = (int)Math.Ceiling(gapSeconds * SampleRate) * 2;
        var chunks = new List<byte[]>();
        _firstChunk = new int[recordings.Count];
        for (int r = 0; r < recordings.Count; r++)
        {
            _firstChunk[r] = chunks.Count;
            var bytes = recordings[r].Bytes;
            int total = bytes.Length + gapBytes;
            total = (total + ChunkBytes - 1) / ChunkBytes * ChunkBytes; // silence to the next whole chunk
            for (int at = 0; at < total; at += ChunkBytes)
            {
                var chunk = new byte[ChunkBytes]; // zeros: silence where the recording has ended
                if (at < bytes.Length) bytes.AsSpan(at, Math.Min(ChunkBytes, bytes.Length - at)).CopyTo(chunk);
                chunks.Add(chunk);
            }
        }
        _chunks = [.. chunks];
    }

    public int SampleRate { get; }
    public int ChunkBytes { get; }
    public int Chunks => _chunks.Length;
    public double Seconds => Chunks * (double)ChunkBytes / 2 / SampleRate;
    public byte[] Chunk(int index) => _chunks[index];
    public int FirstChunkOf(int recording) => _firstChunk[recording % _firstChunk.Length];
}

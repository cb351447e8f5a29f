using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Replay;

/// <summary>A WAV file prepared for streaming: pcm16le at its own sample rate (mono), cut into chunks of a fixed duration.</summary>
public sealed class Recording : ITape
{
    public Recording(string path, int chunkMs)
    {
        Path = path;
        var clip = WavReader.ReadFile(path);
        SampleRate = clip.SampleRate < AudioFormat.MinSampleRate || clip.SampleRate > AudioFormat.MaxSampleRate
            ? throw new AudioFormatException($"{path}: {clip.SampleRate} Hz is outside the hub's 8–96 kHz") : clip.SampleRate;
        Bytes = AudioEncodings.Encode(clip.Samples, AudioEncoding.Pcm16Le);
        ChunkBytes = Math.Max(2, SampleRate * chunkMs / 1000 * 2);
        // Cut once and shared by every stream of this recording (the client library copies what it sends).
        _chunks = new byte[Chunks][];
        for (int i = 0; i < _chunks.Length; i++) _chunks[i] = Bytes.AsSpan(i * ChunkBytes, Math.Min(ChunkBytes, Bytes.Length - i * ChunkBytes)).ToArray();
    }

    private readonly byte[][] _chunks;

    public string Path { get; }
    public string Label => System.IO.Path.GetFileName(Path);
    public int SampleRate { get; }
    public byte[] Bytes { get; }
    public int ChunkBytes { get; }
    public double Seconds => Bytes.Length / 2.0 / SampleRate;
    public int Chunks => (Bytes.Length + ChunkBytes - 1) / ChunkBytes;

    /// <summary>Chunk <paramref name="index"/>: shared, do not modify.</summary>
    public byte[] Chunk(int index) => _chunks[index];

    /// <summary>Audio seconds covered once chunk <paramref name="index"/> has been sent.</summary>
    public double SecondsAfter(int index) => Math.Min(Bytes.Length, (index + 1) * ChunkBytes) / 2.0 / SampleRate;

    /// <summary>Every .wav under the inputs (files as given, folders recursively), sorted.</summary>
    public static List<string> Find(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input)) files.AddRange(Directory.EnumerateFiles(input, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else throw new FileNotFoundException($"input '{input}' does not exist", input);
        }
        if (files.Count == 0) throw new FileNotFoundException("no .wav files in the inputs");
        return files;
    }
}

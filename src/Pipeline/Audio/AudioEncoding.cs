namespace VoiceEmotion.Pipeline.Audio;

/// <summary>Sample encodings accepted on the live wire.</summary>
public enum AudioEncoding
{
    /// <summary>Signed 16-bit little-endian PCM.</summary>
    Pcm16Le,
    /// <summary>IEEE 754 32-bit float, little-endian, nominal range [-1, 1].</summary>
    Float32Le,
    /// <summary>ITU-T G.711 mu-law, one byte per sample.</summary>
    MuLaw,
    /// <summary>ITU-T G.711 A-law, one byte per sample.</summary>
    ALaw,
}

/// <summary>Wire names of <see cref="AudioEncoding"/> values.</summary>
public static class AudioEncodings
{
    /// <summary>The wire names, in enum order.</summary>
    public static IReadOnlyList<string> WireNames { get; } = ["pcm16le", "float32le", "mulaw", "alaw"];

    /// <summary>Parses a wire name (case-insensitive); throws <see cref="AudioFormatException"/> naming the accepted values.</summary>
    public static AudioEncoding Parse(string? name)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "pcm16le": case "pcm16": case "s16le": return AudioEncoding.Pcm16Le;
            case "float32le": case "float32": case "f32le": return AudioEncoding.Float32Le;
            case "mulaw": case "ulaw": case "pcmu": return AudioEncoding.MuLaw;
            case "alaw": case "pcma": return AudioEncoding.ALaw;
            default:
                throw new AudioFormatException(
                    $"unknown audio encoding '{name}': expected one of {string.Join(", ", WireNames)}");
        }
    }

    /// <summary>The wire name of an encoding.</summary>
    public static string ToWireName(this AudioEncoding encoding) => WireNames[(int)encoding];

    /// <summary>Encodes float samples in [-1, 1] as raw wire bytes (what a client streams after StartSession).</summary>
    public static byte[] Encode(ReadOnlySpan<float> samples, AudioEncoding encoding)
    {
        var bytes = new byte[samples.Length * encoding.BytesPerSample()];
        var layout = encoding switch
        {
            AudioEncoding.Pcm16Le => WavSampleFormat.Pcm16,
            AudioEncoding.Float32Le => WavSampleFormat.Float32,
            AudioEncoding.MuLaw => WavSampleFormat.MuLaw,
            _ => WavSampleFormat.ALaw,
        };
        WavWriter.EncodeSamples(samples, layout, bytes);
        return bytes;
    }

    /// <summary>Bytes per sample of one channel.</summary>
    public static int BytesPerSample(this AudioEncoding encoding) => encoding switch
    {
        AudioEncoding.Pcm16Le => 2,
        AudioEncoding.Float32Le => 4,
        AudioEncoding.MuLaw or AudioEncoding.ALaw => 1,
        _ => throw new AudioFormatException($"unknown audio encoding {(int)encoding}"),
    };
}

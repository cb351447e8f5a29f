using System.Buffers.Binary;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>Writes canonical WAV files (a 'fmt ' and a 'data' chunk) from float samples; used by tests, replay and evaluation.</summary>
public static class WavWriter
{
    /// <summary>Encodes interleaved samples (frames × channels) in [-1, 1] as a WAV file.</summary>
    public static byte[] Write(ReadOnlySpan<float> interleaved, int sampleRate, WavSampleFormat format, int channels = 1)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels));
        if (interleaved.Length % channels != 0)
            throw new ArgumentException("sample count is not a multiple of the channel count", nameof(interleaved));
        int bytesPerSample = BitsPerSample(format) / 8;
        int dataBytes = interleaved.Length * bytesPerSample;
        bool needsFact = format is WavSampleFormat.Float32 or WavSampleFormat.Float64 or WavSampleFormat.MuLaw or WavSampleFormat.ALaw;
        int fmtBytes = needsFact ? 18 : 16;
        int factBytes = needsFact ? 12 : 0;
        var bytes = new byte[12 + 8 + fmtBytes + factBytes + 8 + dataBytes + (dataBytes & 1)];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(bytes.Length - 8));
        "WAVE"u8.CopyTo(span[8..]);
        int p = 12;
        "fmt "u8.CopyTo(span[p..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 4)..], (uint)fmtBytes);
        p += 8;
        BinaryPrimitives.WriteUInt16LittleEndian(span[p..], (ushort)FormatTag(format));
        BinaryPrimitives.WriteUInt16LittleEndian(span[(p + 2)..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 4)..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 8)..], (uint)(sampleRate * channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(span[(p + 12)..], (ushort)(channels * bytesPerSample));
        BinaryPrimitives.WriteUInt16LittleEndian(span[(p + 14)..], (ushort)BitsPerSample(format));
        p += fmtBytes; // cbSize (when present) stays 0
        if (needsFact)
        {
            "fact"u8.CopyTo(span[p..]);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 4)..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 8)..], (uint)(interleaved.Length / channels));
            p += 12;
        }
        "data"u8.CopyTo(span[p..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(p + 4)..], (uint)dataBytes);
        p += 8;
        EncodeSamples(interleaved, format, span.Slice(p, dataBytes));
        return bytes;
    }

    /// <summary>Writes a WAV file.</summary>
    public static void WriteFile(string path, ReadOnlySpan<float> interleaved, int sampleRate, WavSampleFormat format, int channels = 1) =>
        File.WriteAllBytes(path, Write(interleaved, sampleRate, format, channels));

    /// <summary>Encodes samples in a WAV sample layout (no header).</summary>
    public static void EncodeSamples(ReadOnlySpan<float> samples, WavSampleFormat format, Span<byte> destination)
    {
        int bytesPerSample = BitsPerSample(format) / 8;
        for (int i = 0; i < samples.Length; i++)
        {
            float s = samples[i];
            var d = destination[(i * bytesPerSample)..];
            switch (format)
            {
                case WavSampleFormat.Pcm8: d[0] = (byte)Math.Clamp(MathF.Round(s * 128f) + 128, 0, 255); break;
                case WavSampleFormat.Pcm16: BinaryPrimitives.WriteInt16LittleEndian(d, G711.ToPcm16(s)); break;
                case WavSampleFormat.Pcm24:
                {
                    int v = (int)Math.Clamp(MathF.Round(s * 8388608f), -8388608, 8388607);
                    d[0] = (byte)v; d[1] = (byte)(v >> 8); d[2] = (byte)(v >> 16);
                    break;
                }
                case WavSampleFormat.Pcm32:
                    BinaryPrimitives.WriteInt32LittleEndian(d, (int)Math.Clamp(Math.Round(s * 2147483648.0), int.MinValue, int.MaxValue));
                    break;
                case WavSampleFormat.Float32: BinaryPrimitives.WriteSingleLittleEndian(d, s); break;
                case WavSampleFormat.Float64: BinaryPrimitives.WriteDoubleLittleEndian(d, s); break;
                case WavSampleFormat.MuLaw: d[0] = G711.MuLawEncode(s); break;
                case WavSampleFormat.ALaw: d[0] = G711.ALawEncode(s); break;
                default: throw new ArgumentOutOfRangeException(nameof(format));
            }
        }
    }

    public static int BitsPerSample(WavSampleFormat format) => format switch
    {
        WavSampleFormat.Pcm8 or WavSampleFormat.MuLaw or WavSampleFormat.ALaw => 8,
        WavSampleFormat.Pcm16 => 16,
        WavSampleFormat.Pcm24 => 24,
        WavSampleFormat.Pcm32 or WavSampleFormat.Float32 => 32,
        WavSampleFormat.Float64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static int FormatTag(WavSampleFormat format) => format switch
    {
        WavSampleFormat.Float32 or WavSampleFormat.Float64 => 3,
        WavSampleFormat.MuLaw => 7,
        WavSampleFormat.ALaw => 6,
        _ => 1,
    };
}

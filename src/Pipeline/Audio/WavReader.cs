using System.Buffers;
using System.Buffers.Binary;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>
/// Reads RIFF/WAVE audio sequentially (non-seekable streams such as zip entries work) and mixes it down to mono float.
/// Declared sizes are never trusted for allocation: data is read in bounded pieces up to a cap.
/// </summary>
public static class WavReader
{
    /// <summary>Default cap on the data chunk: 512 MiB (about 4.6 h of 16 kHz 16-bit stereo).</summary>
    public const long DefaultMaxDataBytes = 512L * 1024 * 1024;

    private const int MaxFmtBytes = 1024;
    private const int MaxChannels = 64;
    private const int MaxSampleRate = 768_000;
    private const uint UnknownSize = 0xFFFFFFFF;

    private const int TagPcm = 0x0001, TagFloat = 0x0003, TagALaw = 0x0006, TagMuLaw = 0x0007, TagExtensible = 0xFFFE;

    // KSDATAFORMAT_SUBTYPE_* GUIDs share this tail after their 16-bit format code (bytes 2..15 of the GUID).
    private static ReadOnlySpan<byte> SubFormatTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Reads a whole WAV stream as mono float at its own sample rate.</summary>
    public static AudioClip Read(Stream stream, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var info = ReadHeader(stream, maxDataBytes);
        return new AudioClip(ReadData(stream, info, maxDataBytes), info.SampleRate);
    }

    /// <summary>Reads a WAV file as mono float at its own sample rate.</summary>
    public static AudioClip ReadFile(string path, long maxDataBytes = DefaultMaxDataBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, maxDataBytes);
    }

    /// <summary>
    /// Reads the header and returns a reader that decodes the data piece by piece (bounded memory, any length);
    /// header errors are thrown here, data errors by <see cref="WavSampleReader.Read"/>.
    /// </summary>
    public static WavSampleReader Open(Stream stream, long maxDataBytes = DefaultMaxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new WavSampleReader(stream, ReadHeader(stream, maxDataBytes), maxDataBytes);
    }

    /// <summary>Reads the header up to the start of the data chunk and reports what it declares.</summary>
    public static WavInfo ReadInfo(Stream stream) => ReadHeader(stream, long.MaxValue);

    private static WavInfo ReadHeader(Stream stream, long maxDataBytes)
    {
        Span<byte> header = stackalloc byte[12];
        int got = ReadFully(stream, header);
        if (got < 12)
            throw new AudioFormatException($"WAV header truncated: expected a 12-byte RIFF header, got {got} bytes");
        if (!header[..4].SequenceEqual("RIFF"u8))
        {
            if (header[..4].SequenceEqual("RIFX"u8) || header[..4].SequenceEqual("RF64"u8))
                throw new AudioFormatException($"unsupported WAV container '{System.Text.Encoding.ASCII.GetString(header[..4])}': only little-endian RIFF is read");
            throw new AudioFormatException("not a WAV file: it does not start with 'RIFF'");
        }
        if (!header[8..12].SequenceEqual("WAVE"u8))
            throw new AudioFormatException("not a WAV file: RIFF form type is not 'WAVE'");

        Span<byte> chunkHeader = stackalloc byte[8];
        Span<byte> fmt = stackalloc byte[MaxFmtBytes];
        WavInfo? format = null;
        while (true)
        {
            got = ReadFully(stream, chunkHeader);
            if (got == 0)
                throw new AudioFormatException(format is null ? "WAV has no 'fmt ' chunk" : "WAV has no 'data' chunk");
            if (got < 8)
                throw new AudioFormatException($"WAV chunk header truncated: expected 8 bytes, got {got}");
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            var id = chunkHeader[..4];
            if (id.SequenceEqual("fmt "u8))
            {
                if (format is not null)
                    throw new AudioFormatException("WAV has two 'fmt ' chunks");
                if (size < 16)
                    throw new AudioFormatException($"WAV 'fmt ' chunk too short: expected at least 16 bytes, declared {size}");
                if (size > MaxFmtBytes)
                    throw new AudioFormatException($"WAV 'fmt ' chunk declares {size} bytes, more than the {MaxFmtBytes} any format needs");
                var body = fmt[..(int)size];
                got = ReadFully(stream, body);
                if (got < size)
                    throw new AudioFormatException($"WAV header truncated: 'fmt ' chunk declares {size} bytes, got {got}");
                if ((size & 1) == 1) SkipBytes(stream, 1, allowEof: true);
                format = ParseFmt(body);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (format is null)
                    throw new AudioFormatException("WAV 'data' chunk comes before the 'fmt ' chunk");
                long declared = size is 0 or UnknownSize ? -1 : size;
                if (declared > maxDataBytes)
                    throw new AudioFormatException($"WAV 'data' chunk declares {declared} bytes, over the limit of {maxDataBytes} bytes");
                return format with { DataBytes = declared };
            }
            else
            {
                long skip = size + (size & 1);
                if (!SkipBytes(stream, skip, allowEof: false))
                    throw new AudioFormatException(
                        $"WAV chunk '{Printable(id)}' declares {size} bytes but the stream ended before its end");
            }
        }
    }

    private static WavInfo ParseFmt(ReadOnlySpan<byte> fmt)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        uint rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        int effectiveTag = tag;
        if (tag == TagExtensible)
        {
            if (fmt.Length < 40)
                throw new AudioFormatException($"WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk too short: expected 40 bytes, got {fmt.Length}");
            var guid = fmt.Slice(24, 16);
            if (!guid[2..].SequenceEqual(SubFormatTail))
                throw new AudioFormatException("WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID");
            effectiveTag = BinaryPrimitives.ReadUInt16LittleEndian(guid);
        }
        if (channels == 0)
            throw new AudioFormatException("WAV declares zero channels");
        if (channels > MaxChannels)
            throw new AudioFormatException($"WAV declares {channels} channels, more than the {MaxChannels} supported");
        if (rate == 0)
            throw new AudioFormatException("WAV declares a sample rate of 0 Hz");
        if (rate > MaxSampleRate)
            throw new AudioFormatException($"WAV declares a sample rate of {rate} Hz, above the {MaxSampleRate} Hz supported");

        WavSampleFormat sampleFormat = (effectiveTag, bits) switch
        {
            (TagPcm, 8) => WavSampleFormat.Pcm8,
            (TagPcm, 16) => WavSampleFormat.Pcm16,
            (TagPcm, 24) => WavSampleFormat.Pcm24,
            (TagPcm, 32) => WavSampleFormat.Pcm32,
            (TagFloat, 32) => WavSampleFormat.Float32,
            (TagFloat, 64) => WavSampleFormat.Float64,
            (TagMuLaw, 8) => WavSampleFormat.MuLaw,
            (TagALaw, 8) => WavSampleFormat.ALaw,
            (TagPcm or TagFloat or TagMuLaw or TagALaw, _) =>
                throw new AudioFormatException($"WAV format tag 0x{effectiveTag:X4} with {bits} bits per sample is not supported"),
            _ => throw new AudioFormatException($"unknown WAV format tag 0x{effectiveTag:X4}"),
        };
        int expectedAlign = channels * (bits / 8);
        if (blockAlign != expectedAlign)
            throw new AudioFormatException(
                $"WAV block align mismatch: {blockAlign} bytes declared, {expectedAlign} expected for {channels} channels of {bits} bits");
        return new WavInfo(sampleFormat, tag, channels, (int)rate, bits, 0);
    }

    private static float[] ReadData(Stream stream, WavInfo info, long maxDataBytes)
    {
        using var reader = new WavSampleReader(stream, info, maxDataBytes);
        var samples = new FloatBuilder(info.DataBytes >= 0 ? (int)Math.Min(info.DataBytes / info.BytesPerFrame, 1 << 20) : 1 << 16);
        var piece = new float[reader.MaxSamplesPerRead];
        int n;
        while ((n = reader.Read(piece)) > 0) piece.AsSpan(0, n).CopyTo(samples.Append(n));
        return samples.ToArray();
    }

    /// <summary>Decodes whole interleaved frames to mono (mean of channels).</summary>
    internal static void DecodeFrames(ReadOnlySpan<byte> bytes, WavInfo info, Span<float> mono)
    {
        int channels = info.Channels;
        int bytesPerSample = info.BitsPerSample / 8;
        float scale = 1f / channels;
        int offset = 0;
        for (int i = 0; i < mono.Length; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++, offset += bytesPerSample)
                sum += DecodeSample(bytes[offset..], info.SampleFormat, offset);
            mono[i] = channels == 1 ? sum : sum * scale;
        }
    }

    private static float DecodeSample(ReadOnlySpan<byte> b, WavSampleFormat format, int offset)
    {
        switch (format)
        {
            case WavSampleFormat.Pcm8: return (b[0] - 128) / 128f;
            case WavSampleFormat.Pcm16: return BinaryPrimitives.ReadInt16LittleEndian(b) / 32768f;
            case WavSampleFormat.Pcm24: return ((b[0] | (b[1] << 8) | (b[2] << 16)) << 8 >> 8) / 8388608f;
            case WavSampleFormat.Pcm32: return (float)(BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648.0);
            case WavSampleFormat.MuLaw: return G711.MuLawFloat[b[0]];
            case WavSampleFormat.ALaw: return G711.ALawFloat[b[0]];
            case WavSampleFormat.Float32:
            {
                float v = BinaryPrimitives.ReadSingleLittleEndian(b);
                if (!float.IsFinite(v))
                    throw new AudioFormatException($"WAV float sample at data byte offset {offset} is {v}");
                return v;
            }
            case WavSampleFormat.Float64:
            {
                double v = BinaryPrimitives.ReadDoubleLittleEndian(b);
                if (!double.IsFinite(v))
                    throw new AudioFormatException($"WAV float sample at data byte offset {offset} is {v}");
                return (float)v;
            }
            default: throw new AudioFormatException($"unsupported WAV sample format {format}");
        }
    }

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int got = stream.Read(buffer[total..]);
            if (got == 0) break;
            total += got;
        }
        return total;
    }

    private static bool SkipBytes(Stream stream, long count, bool allowEof)
    {
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (count > remaining)
            {
                stream.Position = stream.Length;
                return allowEof;
            }
            stream.Position += count;
            return true;
        }
        Span<byte> scratch = stackalloc byte[4096];
        while (count > 0)
        {
            int got = stream.Read(scratch[..(int)Math.Min(count, scratch.Length)]);
            if (got == 0) return allowEof;
            count -= got;
        }
        return true;
    }

    private static string Printable(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[id.Length];
        for (int i = 0; i < id.Length; i++) chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        return new string(chars);
    }

    /// <summary>A growable float buffer that doubles its capacity; avoids List&lt;float&gt; boxing of spans.</summary>
    private sealed class FloatBuilder(int capacity)
    {
        private float[] _items = new float[Math.Max(capacity, 16)];
        private int _count;

        public Span<float> Append(int count)
        {
            if (_count + count > _items.Length)
                Array.Resize(ref _items, Math.Max(_items.Length * 2, _count + count));
            var span = _items.AsSpan(_count, count);
            _count += count;
            return span;
        }

        public float[] ToArray() => _count == _items.Length ? _items : _items.AsSpan(0, _count).ToArray();
    }
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VoiceEmotion.Client;

/// <summary>
/// A WAV file read for streaming, in any format the server reads: PCM 8/16/24/32-bit, float 32/64, mu-law, A-law,
/// WAVE_FORMAT_EXTENSIBLE, any rate and channel count. PCM16, float32, mu-law and A-law with 1–2 channels are sent as
/// they are; everything else is converted to float32le (more than 2 channels mixed to mono) — the server then decodes,
/// mixes and resamples as for any stream. Read as it streams: memory does not grow with the file.
/// </summary>
public sealed class WavAudio : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly SampleKind _kind;
    private readonly int _fileChannels;
    private readonly int _bytesPerSample;
    private long _remaining; // data bytes left; long.MaxValue when the header leaves the size open

    private enum SampleKind { Pcm, Float, MuLaw, ALaw }

    private WavAudio(Stream stream, bool leaveOpen, SampleKind kind, int sampleRate, int channels, int bitsPerSample, long dataBytes)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _kind = kind;
        _fileChannels = channels;
        _bytesPerSample = bitsPerSample / 8;
        _remaining = dataBytes;
        bool passThrough = channels <= 2 && (kind, bitsPerSample) is (SampleKind.Pcm, 16) or (SampleKind.Float, 32) or (SampleKind.MuLaw, 8) or (SampleKind.ALaw, 8);
        Converted = !passThrough;
        Format = (kind, bitsPerSample, passThrough) switch
        {
            (_, _, false) => AudioFormat.Float32(sampleRate, channels <= 2 ? channels : 1),
            (SampleKind.Pcm, _, _) => AudioFormat.Pcm16(sampleRate, channels),
            (SampleKind.Float, _, _) => AudioFormat.Float32(sampleRate, channels),
            (SampleKind.MuLaw, _, _) => AudioFormat.MuLaw(sampleRate, channels),
            _ => AudioFormat.ALaw(sampleRate, channels),
        };
        FileDescription = $"{kind} {bitsPerSample}-bit, {sampleRate} Hz, {channels} channel(s)";
        DurationSeconds = dataBytes == long.MaxValue ? null : dataBytes / (double)(channels * _bytesPerSample) / sampleRate;
    }

    /// <summary>The format its chunks are sent in: declare it in StartSession.</summary>
    public AudioFormat Format { get; }

    /// <summary>True when the samples are converted (to float32le) rather than sent as stored.</summary>
    public bool Converted { get; }

    /// <summary>The file's own format, for messages.</summary>
    public string FileDescription { get; }

    /// <summary>Length from the header; null for a streaming WAV whose size is open.</summary>
    public double? DurationSeconds { get; }

    /// <summary>Opens a WAV file. Throws <see cref="InvalidDataException"/> naming what is wrong with it.</summary>
    public static async Task<WavAudio> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, useAsync: true);
        try
        {
            return await OpenAsync(stream, leaveOpen: false, cancellationToken);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads a WAV header from <paramref name="stream"/> (it need not seek), leaving it at the first sample.</summary>
    public static async Task<WavAudio> OpenAsync(Stream stream, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        var header = new byte[12];
        await ReadExactly(stream, header, "the RIFF header", cancellationToken);
        if (!header.AsSpan(0, 4).SequenceEqual("RIFF"u8) || !header.AsSpan(8, 4).SequenceEqual("WAVE"u8))
            throw new InvalidDataException("not a WAV file: it does not start with 'RIFF….WAVE'");
        (SampleKind Kind, int Rate, int Channels, int Bits)? fmt = null;
        var chunk = new byte[8];
        while (true)
        {
            await ReadExactly(stream, chunk, fmt is null ? "the 'fmt ' chunk" : "the 'data' chunk", cancellationToken);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunk.AsSpan(4));
            if (chunk.AsSpan(0, 4).SequenceEqual("fmt "u8))
            {
                if (size is < 16 or > 4096) throw new InvalidDataException($"'fmt ' chunk of {size} bytes");
                var body = new byte[size + (size & 1)];
                await ReadExactly(stream, body, "the 'fmt ' chunk", cancellationToken);
                fmt = ParseFormat(body);
            }
            else if (chunk.AsSpan(0, 4).SequenceEqual("data"u8))
            {
                if (fmt is not { } f) throw new InvalidDataException("'data' chunk before the 'fmt ' chunk");
                long bytes = size is 0 or uint.MaxValue ? long.MaxValue : size;
                return new WavAudio(stream, leaveOpen, f.Kind, f.Rate, f.Channels, f.Bits, bytes);
            }
            else
            {
                var skip = new byte[Math.Min(size + (size & 1), 64 * 1024)];
                for (long left = size + (size & 1); left > 0;)
                {
                    int n = await stream.ReadAsync(skip.AsMemory(0, (int)Math.Min(left, skip.Length)), cancellationToken);
                    if (n == 0) throw new InvalidDataException("the file ended before its 'data' chunk");
                    left -= n;
                }
            }
        }
    }

    private static (SampleKind, int, int, int) ParseFormat(ReadOnlySpan<byte> b)
    {
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(b);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(b[2..]);
        int rate = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[4..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(b[14..]);
        if (tag == 0xFFFE && b.Length >= 26) tag = BinaryPrimitives.ReadUInt16LittleEndian(b[24..]); // the sub-format GUID's first two bytes
        var kind = tag switch
        {
            1 => SampleKind.Pcm,
            3 => SampleKind.Float,
            6 => SampleKind.ALaw,
            7 => SampleKind.MuLaw,
            _ => throw new InvalidDataException($"WAV format tag {tag} is not PCM, float, mu-law or A-law"),
        };
        bool ok = kind switch
        {
            SampleKind.Pcm => bits is 8 or 16 or 24 or 32,
            SampleKind.Float => bits is 32 or 64,
            _ => bits == 8,
        };
        if (!ok) throw new InvalidDataException($"{bits}-bit {kind} samples are not supported");
        if (channels < 1) throw new InvalidDataException("the WAV declares no channels");
        if (rate <= 0) throw new InvalidDataException($"sample rate {rate}");
        return (kind, rate, channels, bits);
    }

    /// <summary>The audio in chunks of <paramref name="frames"/> sample frames (the last one shorter), in <see cref="Format"/>.</summary>
    public async IAsyncEnumerable<byte[]> ReadChunksAsync(int frames, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        int fileFrameBytes = _fileChannels * _bytesPerSample;
        var buffer = new byte[frames * fileFrameBytes];
        while (_remaining > 0)
        {
            int want = (int)Math.Min(buffer.Length, _remaining);
            int filled = await _stream.ReadAtLeastAsync(buffer.AsMemory(0, want), want, throwOnEndOfStream: false, cancellationToken);
            _remaining = filled < want ? 0 : _remaining - filled;
            int whole = filled / fileFrameBytes * fileFrameBytes; // a cut-off last frame is dropped
            if (whole == 0) yield break;
            yield return Converted ? Convert(buffer.AsSpan(0, whole)) : buffer.AsSpan(0, whole).ToArray();
        }
    }

    private byte[] Convert(ReadOnlySpan<byte> data)
    {
        int frames = data.Length / (_fileChannels * _bytesPerSample);
        int outChannels = Format.Channels;
        var output = new byte[frames * outChannels * 4];
        for (int f = 0; f < frames; f++)
        {
            if (outChannels == _fileChannels)
            {
                for (int c = 0; c < outChannels; c++)
                    BinaryPrimitives.WriteSingleLittleEndian(output.AsSpan((f * outChannels + c) * 4), Sample(data, f * _fileChannels + c));
            }
            else
            {
                float sum = 0;
                for (int c = 0; c < _fileChannels; c++) sum += Sample(data, f * _fileChannels + c);
                BinaryPrimitives.WriteSingleLittleEndian(output.AsSpan(f * 4), sum / _fileChannels);
            }
        }
        return output;
    }

    private float Sample(ReadOnlySpan<byte> data, int index)
    {
        var s = data.Slice(index * _bytesPerSample, _bytesPerSample);
        return (_kind, _bytesPerSample) switch
        {
            (SampleKind.Pcm, 1) => (s[0] - 128) / 128f,
            (SampleKind.Pcm, 2) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
            (SampleKind.Pcm, 3) => ((s[2] << 24) | (s[1] << 16) | (s[0] << 8)) / 2147483648f,
            (SampleKind.Pcm, 4) => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
            (SampleKind.Float, 4) => BinaryPrimitives.ReadSingleLittleEndian(s),
            (SampleKind.Float, 8) => (float)BinaryPrimitives.ReadDoubleLittleEndian(s),
            (SampleKind.MuLaw, _) => MuLaw(s[0]),
            _ => ALaw(s[0]),
        };
    }

    // G.711 expansions (ITU-T G.711), used only when a mu-law/A-law file has more than 2 channels.
    private static float MuLaw(byte b)
    {
        int u = ~b & 0xFF;
        int magnitude = ((((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
        return ((u & 0x80) != 0 ? -magnitude : magnitude) / 32768f;
    }

    private static float ALaw(byte b)
    {
        int a = b ^ 0x55;
        int exponent = (a & 0x70) >> 4;
        int magnitude = exponent == 0 ? ((a & 0x0F) << 4) + 8 : (((a & 0x0F) << 4) + 0x108) << (exponent - 1);
        return ((a & 0x80) != 0 ? magnitude : -magnitude) / 32768f;
    }

    private static async Task ReadExactly(Stream stream, byte[] buffer, string what, CancellationToken cancellationToken)
    {
        if (await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken) < buffer.Length)
            throw new InvalidDataException($"the file ended inside {what}");
    }

    /// <summary>Closes the file (unless opened with leaveOpen).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_leaveOpen) await _stream.DisposeAsync();
    }
}

using System.Buffers;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>
/// Decodes a WAV stream's data chunk piece by piece as mono float at the file's own rate, so a recording of any length
/// is read in bounded memory. Made by <see cref="WavReader.Open"/>, positioned at the start of the data.
/// </summary>
public sealed class WavSampleReader : IDisposable
{
    private const int ReadBlockBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly long _limit, _maxDataBytes;
    private byte[]? _block;
    private int _carry;
    private bool _ended;

    internal WavSampleReader(Stream stream, WavInfo info, long maxDataBytes)
    {
        _stream = stream;
        Info = info;
        _maxDataBytes = maxDataBytes;
        _limit = info.DataBytes >= 0 ? info.DataBytes : maxDataBytes;
        _block = ArrayPool<byte>.Shared.Rent(ReadBlockBytes + info.BytesPerFrame);
    }

    public WavInfo Info { get; }

    /// <summary>Data bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Length in seconds the header declares, or null when the data size is open ("read to the end").</summary>
    public double? DeclaredSeconds => Info.DataBytes >= 0 ? (double)(Info.DataBytes / Info.BytesPerFrame) / Info.SampleRate : null;

    /// <summary>Most samples one <see cref="Read"/> writes.</summary>
    public int MaxSamplesPerRead => (ReadBlockBytes + Info.BytesPerFrame) / Info.BytesPerFrame;

    /// <summary>
    /// Reads the next piece (at most <see cref="MaxSamplesPerRead"/> samples) into <paramref name="mono"/>; 0 at the end.
    /// Throws <see cref="AudioFormatException"/> when the data is cut short or over the cap.
    /// </summary>
    public int Read(Span<float> mono)
    {
        ObjectDisposedException.ThrowIf(_block is null, this);
        int frameBytes = Info.BytesPerFrame;
        while (!_ended)
        {
            int want = (int)Math.Min(ReadBlockBytes, _limit - BytesRead);
            int got = want > 0 ? _stream.Read(_block, _carry, want) : 0;
            if (got == 0)
            {
                _ended = true;
                if (Info.DataBytes >= 0 && BytesRead < Info.DataBytes)
                    throw new AudioFormatException($"WAV 'data' chunk declares {Info.DataBytes} bytes but the stream ended after {BytesRead}");
                if (Info.DataBytes < 0 && BytesRead >= _maxDataBytes && _stream.ReadByte() >= 0)
                    throw new AudioFormatException($"WAV data exceeds the limit of {_maxDataBytes} bytes");
                return 0;
            }
            BytesRead += got;
            int usable = _carry + got;
            int frames = usable / frameBytes;
            if (mono.Length < frames) throw new ArgumentException("output span is smaller than MaxSamplesPerRead", nameof(mono));
            WavReader.DecodeFrames(_block.AsSpan(0, frames * frameBytes), Info, mono[..frames]);
            _carry = usable - frames * frameBytes;
            if (_carry > 0) _block.AsSpan(frames * frameBytes, _carry).CopyTo(_block);
            if (frames > 0) return frames;
        }
        return 0;
    }

    public void Dispose()
    {
        if (_block is null) return;
        ArrayPool<byte>.Shared.Return(_block);
        _block = null;
    }
}

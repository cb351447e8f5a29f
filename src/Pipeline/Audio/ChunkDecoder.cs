using System.Buffers.Binary;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>
/// Decodes raw wire chunks to mono float. Chunk boundaries may fall anywhere: the bytes of a split
/// sample frame are kept until the next chunk completes it. Allocation-free per chunk.
/// </summary>
public sealed class ChunkDecoder
{
    private readonly AudioFormat _format;
    private readonly int _frameBytes;
    private readonly byte[] _pending;
    private int _pendingCount;
    private long _bytesSeen;

    public ChunkDecoder(AudioFormat format)
    {
        _format = format.Validate();
        _frameBytes = format.BytesPerFrame;
        _pending = new byte[_frameBytes];
    }

    public AudioFormat Format => _format;

    /// <summary>Bytes of an incomplete sample frame held back from the last chunk.</summary>
    public int PendingBytes => _pendingCount;

    /// <summary>Upper bound of samples that <see cref="Decode"/> writes for a chunk of this size.</summary>
    public int MaxOutputSamples(int chunkBytes) => (chunkBytes + _frameBytes - 1) / _frameBytes + 1;

    /// <summary>Decodes a chunk into mono samples and returns how many were written.</summary>
    public int Decode(ReadOnlySpan<byte> chunk, Span<float> monoOutput)
    {
        int written = 0;
        if (_pendingCount > 0)
        {
            int take = Math.Min(_frameBytes - _pendingCount, chunk.Length);
            chunk[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            chunk = chunk[take..];
            if (_pendingCount < _frameBytes) return 0;
            DecodeFrames(_pending, monoOutput[..1], _bytesSeen);
            _bytesSeen += _frameBytes;
            _pendingCount = 0;
            written = 1;
        }
        int frames = chunk.Length / _frameBytes;
        int whole = frames * _frameBytes;
        DecodeFrames(chunk[..whole], monoOutput.Slice(written, frames), _bytesSeen);
        _bytesSeen += whole;
        written += frames;
        int rest = chunk.Length - whole;
        if (rest > 0)
        {
            chunk[whole..].CopyTo(_pending);
            _pendingCount = rest;
        }
        return written;
    }

    /// <summary>Forgets any held-back bytes and the byte position.</summary>
    public void Reset()
    {
        _pendingCount = 0;
        _bytesSeen = 0;
    }

    private void DecodeFrames(ReadOnlySpan<byte> bytes, Span<float> output, long streamOffset)
    {
        int channels = _format.Channels;
        switch (_format.Encoding)
        {
            case AudioEncoding.Pcm16Le:
                if (channels == 1)
                    for (int i = 0; i < output.Length; i++)
                        output[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]) / 32768f;
                else
                    for (int i = 0; i < output.Length; i++)
                        output[i] = (BinaryPrimitives.ReadInt16LittleEndian(bytes[(4 * i)..]) +
                                     BinaryPrimitives.ReadInt16LittleEndian(bytes[(4 * i + 2)..])) / 65536f;
                break;
            case AudioEncoding.Float32Le:
                for (int i = 0; i < output.Length; i++)
                {
                    float sum = 0;
                    for (int c = 0; c < channels; c++)
                    {
                        int at = 4 * (i * channels + c);
                        float v = BinaryPrimitives.ReadSingleLittleEndian(bytes[at..]);
                        if (!float.IsFinite(v))
                            throw new AudioFormatException($"float32 sample at stream byte offset {streamOffset + at} is {v}");
                        sum += v;
                    }
                    output[i] = channels == 1 ? sum : sum * 0.5f;
                }
                break;
            case AudioEncoding.MuLaw:
                DecodeCompanded(bytes, output, G711.MuLawFloat, channels);
                break;
            case AudioEncoding.ALaw:
                DecodeCompanded(bytes, output, G711.ALawFloat, channels);
                break;
        }
    }

    private static void DecodeCompanded(ReadOnlySpan<byte> bytes, Span<float> output, float[] table, int channels)
    {
        if (channels == 1)
            for (int i = 0; i < output.Length; i++) output[i] = table[bytes[i]];
        else
            for (int i = 0; i < output.Length; i++) output[i] = (table[bytes[2 * i]] + table[bytes[2 * i + 1]]) * 0.5f;
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
                    DecodePcm16Mono(bytes, output);
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

    /// <summary>
    /// Mono 16-bit little-endian PCM to float in [−1, 1): sample / 32768. The multiply by 2⁻¹⁵ is exact, so the SIMD
    /// path (16 samples widened to int and converted per step) gives the same bits as the scalar loop, which finishes
    /// the tail and serves big-endian machines. This is every chunk of a browser or replay stream: the scalar loop with
    /// a span slice per sample was 2.8 % of the hub's CPU at 2,000 streams (docs/PERFORMANCE.md, "Stop 30").
    /// </summary>
    internal static void DecodePcm16Mono(ReadOnlySpan<byte> bytes, Span<float> output)
    {
        const float Scale = 1f / 32768;
        int i = 0;
        if (BitConverter.IsLittleEndian && Vector256.IsHardwareAccelerated)
        {
            var samples = MemoryMarshal.Cast<byte, short>(bytes[..(2 * output.Length)]);
            ref short source = ref MemoryMarshal.GetReference(samples);
            ref float destination = ref MemoryMarshal.GetReference(output);
            var scale = Vector256.Create(Scale);
            for (; i <= output.Length - Vector256<short>.Count; i += Vector256<short>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                (Vector256.ConvertToSingle(low) * scale).StoreUnsafe(ref destination, (nuint)i);
                (Vector256.ConvertToSingle(high) * scale).StoreUnsafe(ref destination, (nuint)(i + Vector256<int>.Count));
            }
        }
        for (; i < output.Length; i++)
            output[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.Slice(2 * i, 2)) * Scale;
    }

    private static void DecodeCompanded(ReadOnlySpan<byte> bytes, Span<float> output, float[] table, int channels)
    {
        if (channels == 1)
            for (int i = 0; i < output.Length; i++) output[i] = table[bytes[i]];
        else
            for (int i = 0; i < output.Length; i++) output[i] = (table[bytes[2 * i]] + table[bytes[2 * i + 1]]) * 0.5f;
    }
}

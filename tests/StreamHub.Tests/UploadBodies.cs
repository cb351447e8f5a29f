using System.Net;
using System.Net.Http.Headers;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Upload bodies for the analyze API: a WAV as multipart/form-data, one held half-sent, one made on the fly.</summary>
internal static class UploadBodies
{
    public static MultipartFormDataContent Form(HttpContent file, string name = "call.wav")
    {
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        return new MultipartFormDataContent { { file, "file", name } };
    }

    public static MultipartFormDataContent Form(byte[] wav, string name = "call.wav") => Form(new ByteArrayContent(wav), name);

    /// <summary>A form that sends its first 4 KiB at once (then completes <paramref name="sent"/>) and the rest only when <paramref name="release"/> completes.</summary>
    public static async Task<HttpContent> HeldAsync(byte[] wav, TaskCompletionSource sent, Task release)
    {
        using var form = Form(wav);
        var bytes = await form.ReadAsByteArrayAsync();
        var held = new HeldContent(bytes, 4096, sent, release);
        held.Headers.ContentType = form.Headers.ContentType;
        return held;
    }

    private sealed class HeldContent(byte[] bytes, int first, TaskCompletionSource sent, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, first));
            await stream.FlushAsync();
            sent.TrySetResult();
            await release;
            await stream.WriteAsync(bytes.AsMemory(first));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}

/// <summary>
/// A mono 8 kHz mu-law WAV of any length, made while it is read (a 10 s synthetic voice, repeated), so a test can
/// upload hours of audio without holding them.
/// </summary>
internal sealed class SyntheticWavStream : Stream
{
    private readonly byte[] _header = new byte[44];
    private readonly byte[] _tile;
    private readonly long _length;
    private long _position;

    public SyntheticWavStream(double seconds)
    {
        _tile = TestAudio.Encode(TestAudio.Voice(8000, 10.0, seed: 3), Pipeline.Audio.AudioEncoding.MuLaw);
        long data = (long)(seconds * 8000);
        _length = _header.Length + data;
        "RIFF"u8.CopyTo(_header);
        BitConverter.TryWriteBytes(_header.AsSpan(4), (uint)(36 + data));
        "WAVEfmt "u8.CopyTo(_header.AsSpan(8));
        BitConverter.TryWriteBytes(_header.AsSpan(16), 16);
        BitConverter.TryWriteBytes(_header.AsSpan(20), (short)7); // mu-law
        BitConverter.TryWriteBytes(_header.AsSpan(22), (short)1);
        BitConverter.TryWriteBytes(_header.AsSpan(24), 8000);
        BitConverter.TryWriteBytes(_header.AsSpan(28), 8000);
        BitConverter.TryWriteBytes(_header.AsSpan(32), (short)1);
        BitConverter.TryWriteBytes(_header.AsSpan(34), (short)8);
        "data"u8.CopyTo(_header.AsSpan(36));
        BitConverter.TryWriteBytes(_header.AsSpan(40), (uint)data);
    }

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, _length - _position);
        for (int i = 0; i < n; i++, _position++)
            buffer[i] = _position < _header.Length ? _header[_position] : _tile[(_position - _header.Length) % _tile.Length];
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override bool CanRead => true;
    public override bool CanSeek => false; // sent chunked, as a client that does not know the length would
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

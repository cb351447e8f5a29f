using System.Buffers.Binary;
using System.IO.Compression;
using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Tests.Audio;

public sealed class WavReaderTests
{
    private static readonly float[] Tone = Signals.Tone(440, 16000, 0.1, amplitude: 0.6);

    [Theory]
    [InlineData(WavSampleFormat.Pcm8, 1.0 / 100)]
    [InlineData(WavSampleFormat.Pcm16, 1.0 / 30000)]
    [InlineData(WavSampleFormat.Pcm24, 1e-6)]
    [InlineData(WavSampleFormat.Pcm32, 1e-7)]
    [InlineData(WavSampleFormat.Float32, 0)]
    [InlineData(WavSampleFormat.Float64, 0)]
    [InlineData(WavSampleFormat.MuLaw, 0.02)]
    [InlineData(WavSampleFormat.ALaw, 0.02)]
    public void EveryFormatRoundTrips(WavSampleFormat format, double tolerance)
    {
        var clip = WavReader.Read(new MemoryStream(WavWriter.Write(Tone, 16000, format)));
        Assert.Equal(16000, clip.SampleRate);
        Assert.Equal(Tone.Length, clip.Samples.Length);
        for (int i = 0; i < Tone.Length; i++) Assert.InRange(clip.Samples[i] - Tone[i], -tolerance - 1e-9, tolerance + 1e-9);
    }

    [Fact]
    public void StereoIsMixedDownToTheMeanOfChannels()
    {
        var interleaved = new float[200];
        for (int i = 0; i < 100; i++) { interleaved[2 * i] = 0.5f; interleaved[2 * i + 1] = -0.25f; }
        var clip = WavReader.Read(new MemoryStream(WavWriter.Write(interleaved, 48000, WavSampleFormat.Float32, channels: 2)));
        Assert.Equal(100, clip.Samples.Length);
        Assert.All(clip.Samples, v => Assert.Equal(0.125f, v, 6));
        Assert.Equal(48000, clip.SampleRate);
    }

    [Fact]
    public void ExtraAndOddSizedChunksAreSkippedIncludingThePadByte()
    {
        var plain = WavWriter.Write(Tone, 16000, WavSampleFormat.Pcm16);
        var withChunks = InsertChunkAfterRiffHeader(plain, "LIST", new byte[] { 1, 2, 3, 4, 5 }); // odd size → pad byte
        withChunks = InsertChunkAfterRiffHeader(withChunks, "junk", new byte[12]);
        var clip = WavReader.Read(new MemoryStream(withChunks));
        Assert.Equal(Tone.Length, clip.Samples.Length);
        Assert.Equal(Tone[10], clip.Samples[10], 3);
    }

    [Fact]
    public void ExtensibleFormatWithPcmAndFloatSubformatsIsRead()
    {
        foreach (var (tag, format) in new[] { (1, WavSampleFormat.Pcm16), (3, WavSampleFormat.Float32) })
        {
            var bytes = MakeExtensible(WavWriter.Write(Tone, 22050, format), tag);
            var clip = WavReader.Read(new MemoryStream(bytes));
            Assert.Equal(22050, clip.SampleRate);
            Assert.Equal(Tone.Length, clip.Samples.Length);
            Assert.Equal(Tone[7], clip.Samples[7], 3);
        }
    }

    [Fact]
    public void NonSeekableStreamsAndZipEntriesAreRead()
    {
        var wav = WavWriter.Write(Tone, 16000, WavSampleFormat.Pcm16);
        Assert.Equal(Tone.Length, WavReader.Read(new NonSeekableStream(wav)).Samples.Length);

        using var zipBytes = new MemoryStream();
        using (var archive = new ZipArchive(zipBytes, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = archive.CreateEntry("Actor_01/clip.wav").Open();
            entry.Write(wav);
        }
        zipBytes.Position = 0;
        using var read = new ZipArchive(zipBytes, ZipArchiveMode.Read);
        using var entryStream = read.Entries[0].Open(); // a deflate stream: forward-only, like DatasetLoader's entries
        var clip = WavReader.Read(entryStream);
        Assert.Equal(Tone.Length, clip.Samples.Length);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0xFFFFFFFFu)]
    public void UnknownDataLengthIsReadToTheEnd(uint declared)
    {
        var wav = WavWriter.Write(Tone, 16000, WavSampleFormat.Pcm16);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), declared);
        Assert.Equal(Tone.Length, WavReader.Read(new MemoryStream(wav)).Samples.Length);
    }

    [Fact]
    public void ReadInfoReportsTheDeclaredFormat()
    {
        var info = WavReader.ReadInfo(new MemoryStream(WavWriter.Write(new float[160], 8000, WavSampleFormat.MuLaw)));
        Assert.Equal(WavSampleFormat.MuLaw, info.SampleFormat);
        Assert.Equal(8000, info.SampleRate);
        Assert.Equal(1, info.Channels);
        Assert.Equal(160, info.DataBytes);
    }

    public static TheoryData<string, string> BadFiles()
    {
        var data = new TheoryData<string, string>
        {
            { "empty", "truncated" },
            { "riff-only", "truncated" },
            { "not-riff", "RIFF" },
            { "not-wave", "WAVE" },
            { "unknown-tag", "unknown WAV format tag 0x0055" },
            { "zero-channels", "zero channels" },
            { "zero-rate", "0 Hz" },
            { "absurd-data-size", "over the limit" },
            { "data-past-eof", "stream ended after" },
            { "data-before-fmt", "before the 'fmt ' chunk" },
            { "no-data", "no 'data' chunk" },
            { "block-align", "block align mismatch" },
            { "bits-mismatch", "0x0003 with 16 bits per sample is not supported" },
            { "fmt-huge", "more than the" },
            { "chunk-past-eof", "stream ended before its end" },
            { "float-nan", "NaN" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void BadInputGetsAClearAudioFormatException(string kind, string expectedWords)
    {
        var bytes = MakeBad(kind);
        var error = Assert.Throws<AudioFormatException>(() => WavReader.Read(new MemoryStream(bytes), maxDataBytes: 1 << 20));
        Assert.Contains(expectedWords, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RandomMutationsOnlyEverRaiseAudioFormatException()
    {
        var seeds = new[]
        {
            WavWriter.Write(Tone, 16000, WavSampleFormat.Pcm16),
            WavWriter.Write(Tone, 8000, WavSampleFormat.MuLaw),
            MakeExtensible(WavWriter.Write(Tone, 44100, WavSampleFormat.Float32), 3),
        };
        var random = new Random(1234);
        int rejected = 0;
        for (int n = 0; n < 3000; n++)
        {
            var bytes = (byte[])seeds[n % seeds.Length].Clone();
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(Math.Min(bytes.Length, 64));
                bytes[at] = (byte)random.Next(256);
            }
            if (random.Next(3) == 0) Array.Resize(ref bytes, random.Next(bytes.Length));
            try
            {
                var clip = WavReader.Read(new MemoryStream(bytes), maxDataBytes: 1 << 20);
                Assert.True(clip.Samples.Length <= 1 << 20);
                Assert.All(clip.Samples, v => Assert.True(float.IsFinite(v)));
            }
            catch (AudioFormatException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} of 3000 mutations were rejected");
    }

    private static byte[] MakeBad(string kind)
    {
        var good = WavWriter.Write(Tone, 16000, WavSampleFormat.Pcm16);
        var b = (byte[])good.Clone();
        switch (kind)
        {
            case "empty": return [];
            case "riff-only": return good[..6];
            case "not-riff": "OggS"u8.CopyTo(b); return b;
            case "not-wave": "AVI "u8.CopyTo(b.AsSpan(8)); return b;
            case "unknown-tag": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(20), 0x55); return b;
            case "zero-channels": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(22), 0); return b;
            case "zero-rate": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(24), 0); return b;
            case "absurd-data-size": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(40), 0xFFFFFFF0); return b;
            case "data-past-eof": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(40), (uint)(good.Length * 4)); return b;
            case "data-before-fmt":
            {
                var swapped = new byte[good.Length];
                good.AsSpan(0, 12).CopyTo(swapped);
                good.AsSpan(36).CopyTo(swapped.AsSpan(12));
                good.AsSpan(12, 24).CopyTo(swapped.AsSpan(12 + good.Length - 36));
                return swapped;
            }
            case "no-data": return good[..36];
            case "block-align": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(32), 3); return b;
            case "bits-mismatch": BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(20), 3); return b;
            case "fmt-huge": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), 1_000_000); return b;
            case "chunk-past-eof": return InsertChunkAfterRiffHeader(good, "LIST", new byte[4], declaredSize: 1_000_000)[..60];
            case "float-nan":
            {
                var f = WavWriter.Write(Tone, 16000, WavSampleFormat.Float32);
                int dataStart = f.Length - Tone.Length * 4;
                BinaryPrimitives.WriteSingleLittleEndian(f.AsSpan(dataStart + 40), float.NaN);
                return f;
            }
            default: throw new ArgumentException(kind);
        }
    }

    private static byte[] InsertChunkAfterRiffHeader(byte[] wav, string id, byte[] body, uint? declaredSize = null)
    {
        int padded = body.Length + (body.Length & 1);
        var result = new byte[wav.Length + 8 + padded];
        wav.AsSpan(0, 12).CopyTo(result);
        System.Text.Encoding.ASCII.GetBytes(id).CopyTo(result, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(16), declaredSize ?? (uint)body.Length);
        body.CopyTo(result, 20);
        wav.AsSpan(12).CopyTo(result.AsSpan(20 + padded));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(result.Length - 8));
        return result;
    }

    /// <summary>Rewrites a canonical 16-byte-fmt or 18-byte-fmt WAV as WAVE_FORMAT_EXTENSIBLE with the given sub-format.</summary>
    private static byte[] MakeExtensible(byte[] wav, int subFormat)
    {
        int fmtSize = BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(16));
        var fmt = wav.AsSpan(20, 16);
        var ext = new byte[40];
        fmt.CopyTo(ext);
        BinaryPrimitives.WriteUInt16LittleEndian(ext, 0xFFFE);
        BinaryPrimitives.WriteUInt16LittleEndian(ext.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(ext.AsSpan(18), BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]));
        BinaryPrimitives.WriteUInt32LittleEndian(ext.AsSpan(20), 4); // front centre
        BinaryPrimitives.WriteUInt16LittleEndian(ext.AsSpan(24), (ushort)subFormat);
        new byte[] { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 }.CopyTo(ext, 26);
        int rest = 20 + fmtSize;
        var result = new byte[12 + 8 + 40 + (wav.Length - rest)];
        wav.AsSpan(0, 12).CopyTo(result);
        "fmt "u8.CopyTo(result.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(16), 40);
        ext.CopyTo(result, 20);
        wav.AsSpan(rest).CopyTo(result.AsSpan(60));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(result.Length - 8));
        return result;
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

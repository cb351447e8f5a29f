using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Tests.Audio;

public sealed class ChunkDecoderTests
{
    public static TheoryData<AudioEncoding, int> Formats() => new()
    {
        { AudioEncoding.Pcm16Le, 1 }, { AudioEncoding.Pcm16Le, 2 },
        { AudioEncoding.Float32Le, 1 }, { AudioEncoding.Float32Le, 2 },
        { AudioEncoding.MuLaw, 1 }, { AudioEncoding.MuLaw, 2 },
        { AudioEncoding.ALaw, 1 }, { AudioEncoding.ALaw, 2 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void AnyChunkingGivesTheOneShotOutput(AudioEncoding encoding, int channels)
    {
        var format = new AudioFormat(encoding, 16000, channels);
        var signal = Signals.WhiteNoise(3000 * channels, seed: 5);
        var bytes = Encode(signal, encoding);
        var oneShot = new float[3000];
        Assert.Equal(3000, new ChunkDecoder(format).Decode(bytes, oneShot));

        for (int seed = 0; seed < 5; seed++)
        {
            var decoder = new ChunkDecoder(format);
            var output = new List<float>();
            var scratch = new float[decoder.MaxOutputSamples(200)];
            foreach (var range in Signals.RandomChunks(bytes.Length, seed, maxChunk: 200))
            {
                int n = decoder.Decode(bytes.AsSpan(range), scratch);
                output.AddRange(scratch.AsSpan(0, n).ToArray());
            }
            Assert.Equal(oneShot, output.ToArray());
            Assert.Equal(0, decoder.PendingBytes);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void SixteenKilohertzInputIsDecodedStraightIntoTheOutputAsTheDecoderGivesIt(AudioEncoding encoding, int channels)
    {
        // At 16 kHz the input decoder skips its scratch buffer and the pass-through resampler: the samples, their
        // counts and the bytes held back across chunks must be what the chunk decoder alone gives.
        var format = new AudioFormat(encoding, 16000, channels);
        var bytes = Encode(Signals.WhiteNoise(3000 * channels, seed: 9), encoding);
        for (int seed = 0; seed < 5; seed++)
        {
            var plain = new ChunkDecoder(format);
            var input = new AudioInputDecoder(format);
            var expected = new float[plain.MaxOutputSamples(200)];
            var actual = new float[input.MaxOutputSamples(200)];
            Assert.Equal(expected.Length, actual.Length);
            long total = 0;
            foreach (var range in Signals.RandomChunks(bytes.Length, seed, maxChunk: 200))
            {
                int n = plain.Decode(bytes.AsSpan(range), expected);
                Assert.Equal(n, input.Push(bytes.AsSpan(range), actual));
                Assert.Equal(expected.AsSpan(0, n).ToArray(), actual.AsSpan(0, n).ToArray());
                Assert.Equal(plain.PendingBytes, input.PendingBytes);
                total += n;
            }
            Assert.Equal(3000, total);
            Assert.Equal(total, input.InputSamples);
            Assert.Equal(total, input.OutputSamples);
        }
    }

    [Fact]
    public void Pcm16MonoGivesSampleOver32768ForEveryValueAndEveryTailLength()
    {
        // Every 16-bit value once, in a scrambled order so each SIMD lane sees all kinds; then every length 0..40 so
        // each tail the scalar loop finishes is covered. The reference is the plain definition, bit for bit.
        var values = Enumerable.Range(short.MinValue, 65536).Select(v => (short)v).ToArray();
        new Random(3).Shuffle(values);
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
        var format = new AudioFormat(AudioEncoding.Pcm16Le, 16000, 1);
        var output = new float[values.Length];
        Assert.Equal(values.Length, new ChunkDecoder(format).Decode(bytes, output));
        for (int i = 0; i < values.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(values[i] / 32768f) == BitConverter.SingleToInt32Bits(output[i]),
                $"sample {i}: {values[i]} decoded as {output[i]}");
        Assert.Equal(-1f, output[Array.IndexOf(values, short.MinValue)]);

        for (int length = 0; length <= 40; length++)
        {
            var part = new float[length + 1];
            part[length] = 99;
            Assert.Equal(length, new ChunkDecoder(format).Decode(bytes.AsSpan(6, 2 * length), part));
            for (int i = 0; i < length; i++) Assert.Equal(values[3 + i] / 32768f, part[i]);
            Assert.Equal(99, part[length]);
        }
    }

    [Fact]
    public void Pcm16MatchesTheWavReaderAndStereoIsAveraged()
    {
        var stereo = new float[] { 0.5f, -0.5f, 0.25f, 0.75f };
        var bytes = Encode(stereo, AudioEncoding.Pcm16Le);
        var output = new float[2];
        new ChunkDecoder(new AudioFormat(AudioEncoding.Pcm16Le, 8000, 2)).Decode(bytes, output);
        Assert.Equal(0f, output[0], 4);
        Assert.Equal(0.5f, output[1], 4);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    public void NonFiniteFloatsAreRejectedWithTheirOffset(float bad, string words)
    {
        var samples = new float[] { 0.1f, 0.2f, bad, 0.3f };
        var bytes = Encode(samples, AudioEncoding.Float32Le);
        var error = Assert.Throws<AudioFormatException>(() =>
            new ChunkDecoder(new AudioFormat(AudioEncoding.Float32Le, 16000, 1)).Decode(bytes, new float[4]));
        Assert.Contains("offset 8", error.Message);
        Assert.Contains(words, error.Message);
    }

    [Theory]
    [InlineData("opus", 16000, 1, "unknown audio encoding")]
    [InlineData("pcm16le", 4000, 1, "sample rate 4000")]
    [InlineData("pcm16le", 16000, 3, "3 channels")]
    [InlineData("pcm16le", 16000, 0, "0 channels")]
    public void BadFormatsAreNamed(string encoding, int rate, int channels, string words)
    {
        var error = Assert.Throws<AudioFormatException>(() => AudioFormat.Parse(encoding, rate, channels));
        Assert.Contains(words, error.Message);
    }

    internal static byte[] Encode(float[] samples, AudioEncoding encoding) => AudioEncodings.Encode(samples, encoding);
}

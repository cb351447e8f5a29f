using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Tests.Audio;

public sealed class G711Tests
{
    [Theory]
    [InlineData(0xFF, 0)]
    [InlineData(0x7F, 0)]
    [InlineData(0x00, -32124)]
    [InlineData(0x80, 32124)]
    public void MuLawDecodesKnownCodes(int code, int expected) => Assert.Equal(expected, G711.MuLawDecode((byte)code));

    [Theory]
    [InlineData(0xD5, 8)]
    [InlineData(0x55, -8)]
    [InlineData(0xAA, 32256)]
    [InlineData(0x2A, -32256)]
    public void ALawDecodesKnownCodes(int code, int expected) => Assert.Equal(expected, G711.ALawDecode((byte)code));

    [Fact]
    public void EveryCodeRoundTripsThroughDecodeAndEncode()
    {
        for (int code = 0; code < 256; code++)
        {
            short mu = G711.MuLawDecode((byte)code);
            Assert.Equal(G711.MuLawDecode(G711.MuLawEncode(mu)), mu);
            short a = G711.ALawDecode((byte)code);
            Assert.Equal(a, G711.ALawDecode(G711.ALawEncode(a)));
        }
    }

    [Fact]
    public void QuantisationErrorIsWithinTheSegmentStep()
    {
        for (int s = short.MinValue; s <= short.MaxValue; s += 7)
        {
            short mu = G711.MuLawDecode(G711.MuLawEncode((short)s));
            short a = G711.ALawDecode(G711.ALawEncode((short)s));
            // Largest segments quantise in steps of 1024 (mu-law) and 1024 (A-law); relative error stays under ~6 %.
            double tolerance = Math.Max(16, Math.Abs(s) * 0.07);
            Assert.True(Math.Abs(mu - s) <= tolerance, $"mu-law {s} -> {mu}");
            Assert.True(Math.Abs(a - s) <= tolerance, $"A-law {s} -> {a}");
        }
    }
}

using System.Security.Cryptography;
using VoiceEmotion.Training.Channels;
using Xunit.Abstractions;

namespace VoiceEmotion.Training.Tests.Channels;

public sealed class Gsm0610Tests(ITestOutputHelper output)
{
    private const int Rate = Gsm0610.SampleRate;
    private const double F0 = 120;

    [Fact]
    public void PackedFrameIs33BytesWithDMagicNibble()
    {
        var encoder = new Gsm0610Encoder();
        var packet = new byte[Gsm0610.FrameBytes];
        var voiced = ToPcm(Voiced(Gsm0610.FrameSamples * 4));
        for (int f = 0; f < 4; f++)
        {
            packet[0] = 0;
            encoder.Encode(voiced.AsSpan(f * Gsm0610.FrameSamples, Gsm0610.FrameSamples), packet);
            Assert.Equal(0xD, packet[0] >> 4);
        }
        Assert.Equal(33, Gsm0610.FrameBytes);
        Assert.Equal(4 + 260, Gsm0610.FrameBytes * 8);
    }

    [Fact]
    public void BitLayoutIsMsbFirstInStandardParameterOrder()
    {
        var frame = new Gsm0610Frame();
        frame.LarCodes[0] = 0b101011;
        frame.LarCodes[1] = 0b000001;
        frame.Lags[3] = 120;
        frame.Pulses[51] = 0b101;
        var packed = new byte[Gsm0610.FrameBytes];
        frame.Pack(packed);

        // 0xD, then LARc[0]'s top 4 bits; its low 2 bits open the next byte, followed by LARc[1].
        Assert.Equal(0xDA, packed[0]);
        Assert.Equal(0b1100_0001, packed[1]);
        // The last pulse of the last sub-frame occupies the final 3 bits of the 264-bit packet.
        Assert.Equal(0b101, packed[32] & 0b111);
        // Sub-frame 3 starts at bit 4 + 36 + 3 * 56 = 208, i.e. byte 26, with the 7-bit lag.
        Assert.Equal(120 << 1, packed[26] & 0xFE);
    }

    [Fact]
    public void PackUnpackRoundTripsEveryField()
    {
        var random = new Random(11);
        var frame = new Gsm0610Frame();
        for (int i = 0; i < 8; i++) frame.LarCodes[i] = (short)random.Next(1 << Gsm0610Frame.LarBits[i]);
        for (int j = 0; j < 4; j++)
        {
            frame.Lags[j] = (short)random.Next(40, 121);
            frame.Gains[j] = (short)random.Next(4);
            frame.Grids[j] = (short)random.Next(4);
            frame.MaxCodes[j] = (short)random.Next(64);
        }
        for (int i = 0; i < frame.Pulses.Length; i++) frame.Pulses[i] = (short)random.Next(8);

        var packed = new byte[Gsm0610.FrameBytes];
        frame.Pack(packed);
        var back = new Gsm0610Frame();
        back.Unpack(packed);

        Assert.Equal(frame.LarCodes, back.LarCodes);
        Assert.Equal(frame.Lags, back.Lags);
        Assert.Equal(frame.Gains, back.Gains);
        Assert.Equal(frame.Grids, back.Grids);
        Assert.Equal(frame.MaxCodes, back.MaxCodes);
        Assert.Equal(frame.Pulses, back.Pulses);
    }

    [Fact]
    public void SilenceComesBackAsNearSilence()
    {
        var decoded = Gsm0610.RoundTrip(new float[Rate]);
        double rmsDb = RmsDb(decoded);
        output.WriteLine($"silence out: {rmsDb:F1} dBFS, peak {decoded.Max(MathF.Abs)}");
        // Zero input still decodes to the smallest APCM step (there is no zero pulse level), which after the
        // decoder's 13-bit truncation leaves about -66 dBFS with peaks of 16 LSB, as in the reference codec.
        // -60 dBFS is below the quietest speech frames; an unstable filter or DC error would be far louder.
        Assert.True(rmsDb < -60, $"silence decoded at {rmsDb:F1} dBFS");
        Assert.All(decoded, v => Assert.True(MathF.Abs(v) <= 32f / 32768f, $"silence sample {v}"));
    }

    [Fact]
    public void VoicedSignalKeepsLevelPitchAndEnvelopeButIsLossy()
    {
        var input = Voiced(Rate * 3 / 2);
        var decoded = Gsm0610.RoundTrip(input);

        // Skip the first 4 frames: the predictors start from zero state.
        int skip = 4 * Gsm0610.FrameSamples;
        var x = input.AsSpan(skip).ToArray();
        var y = decoded.AsSpan(skip).ToArray();

        double levelChange = RmsDb(y) - RmsDb(x);
        int inputLag = PitchLag(x);
        int outputLag = PitchLag(y);
        var inputEnvelope = BandLogEnergies(x);
        double envelopeCorrelation = Correlation(inputEnvelope, BandLogEnergies(y));
        double otherVowelCorrelation = Correlation(inputEnvelope, BandLogEnergies(Voiced(x.Length, 300, 2300)));
        double snr = SnrDb(x, y);
        output.WriteLine($"level change {levelChange:F2} dB, pitch lag in {inputLag} out {outputLag}, envelope corr {envelopeCorrelation:F4} " +
                         $"(other vowel {otherVowelCorrelation:F4}), waveform SNR {snr:F2} dB");

        // 2 dB is below what a listener notices as a level change; a broken gain path is off by far more.
        Assert.InRange(levelChange, -2.0, 2.0);
        // 8000 / 120 Hz = 66.7 samples: the long-term predictor must carry the pitch through unchanged.
        Assert.InRange(inputLag, 66, 67);
        Assert.InRange(outputLag, 66, 67);
        // Formant structure survives the 36-bit LAR quantisation (measured 0.99). The control, an /i/-like vowel
        // with the same source, scores about 0.74, so 0.97 separates "same envelope" from "a different vowel".
        Assert.True(otherVowelCorrelation < 0.9, $"metric does not discriminate: other vowel {otherVowelCorrelation:F4}");
        Assert.True(envelopeCorrelation > 0.97, $"envelope correlation {envelopeCorrelation:F4}");
        // RPE-LTP is a waveform coder, so it tracks the waveform (measured about 20 dB on this steady vowel; a broken
        // predictor or sign error drops to 0 dB or below). A pass-through limited only by the 13-bit input truncation
        // would exceed 50 dB at this level, so staying under 35 dB shows the path really is lossy.
        Assert.InRange(snr, 10.0, 35.0);
    }

    [Fact]
    public void MatchesLibgsmReferenceBitstreamAndDecoding()
    {
        // Expected digests from libgsm 1.0.22 (`toast -l` / `untoast -l`) on this integer-generated signal,
        // so the check needs no floating point and pins bit-exactness with the reference implementation.
        var pcm = IntegerVoiced(Rate * 2);
        var encoder = new Gsm0610Encoder();
        var decoder = new Gsm0610Decoder();
        int frames = pcm.Length / Gsm0610.FrameSamples;
        var stream = new byte[frames * Gsm0610.FrameBytes];
        var decoded = new short[frames * Gsm0610.FrameSamples];
        for (int f = 0; f < frames; f++)
        {
            var packet = stream.AsSpan(f * Gsm0610.FrameBytes, Gsm0610.FrameBytes);
            encoder.Encode(pcm.AsSpan(f * Gsm0610.FrameSamples, Gsm0610.FrameSamples), packet);
            decoder.Decode(packet, decoded.AsSpan(f * Gsm0610.FrameSamples, Gsm0610.FrameSamples));
        }
        string streamHash = Convert.ToHexString(SHA256.HashData(stream));
        string decodedHash = Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(decoded.AsSpan())));
        output.WriteLine($"stream {streamHash}\ndecoded {decodedHash}");
        Assert.Equal(ReferenceStreamSha256, streamHash);
        Assert.Equal(ReferenceDecodedSha256, decodedHash);
    }

    private const string ReferenceStreamSha256 = "2C1B18A09F49AD0C66D3867D5E63C4C07D06E2321F4A872944C4EA78DD6CB7D6";
    private const string ReferenceDecodedSha256 = "A0583657561C8210A73C876253974A56D047B8D4BB8A35BD6EEDD915B902E722";

    [Fact]
    public void RoundTripIsDeterministicAndResetRestartsState()
    {
        var input = Voiced(Rate);
        Assert.Equal(Gsm0610.RoundTrip(input), Gsm0610.RoundTrip(input));

        var pcm = ToPcm(input);
        var encoder = new Gsm0610Encoder();
        var decoder = new Gsm0610Decoder();
        var first = EncodeDecode(encoder, decoder, pcm);
        encoder.Reset();
        decoder.Reset();
        var second = EncodeDecode(encoder, decoder, pcm);
        Assert.Equal(first, second);
    }

    [Fact]
    public void DecoderRejectsFrameWithoutMagic()
    {
        var encoder = new Gsm0610Encoder();
        var packet = new byte[Gsm0610.FrameBytes];
        encoder.Encode(ToPcm(Voiced(Gsm0610.FrameSamples)), packet);
        packet[0] = (byte)(0xC0 | (packet[0] & 0x0F));

        var decoder = new Gsm0610Decoder();
        var ex = Assert.Throws<ArgumentException>(() => decoder.Decode(packet, new short[Gsm0610.FrameSamples]));
        Assert.Contains("magic", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void WrongBufferSizesAreRejected()
    {
        var encoder = new Gsm0610Encoder();
        var decoder = new Gsm0610Decoder();
        Assert.Throws<ArgumentException>(() => encoder.Encode(new short[159], new byte[33]));
        Assert.Throws<ArgumentException>(() => encoder.Encode(new short[160], new byte[32]));
        Assert.Throws<ArgumentException>(() => decoder.Decode(new byte[32], new short[160]));
        Assert.Throws<ArgumentException>(() => decoder.Decode(new byte[33] { 0xD0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, new short[100]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(8001)]
    public void LengthNotMultipleOf160IsZeroPadded(int length)
    {
        var input = Voiced(length);
        var decoded = Gsm0610.RoundTrip(input);
        Assert.Equal(length, decoded.Length);
        Assert.All(decoded, v => Assert.True(float.IsFinite(v)));

        // The partial last frame must behave exactly as if the caller had padded it with zeros.
        int padded = (length + Gsm0610.FrameSamples - 1) / Gsm0610.FrameSamples * Gsm0610.FrameSamples;
        var paddedInput = new float[padded];
        input.CopyTo(paddedInput, 0);
        Assert.Equal(Gsm0610.RoundTrip(paddedInput).AsSpan(0, length).ToArray(), decoded);
    }

    [Fact]
    public void OutOfRangeAndNaNInputAreClampedNotWrapped()
    {
        var loud = Voiced(Rate / 2).Select(v => v * 40f).ToArray();
        loud[100] = float.NaN;
        var clampedByCaller = loud.Select(v => float.IsNaN(v) ? 0f : Math.Clamp(v, -1f, 1f)).ToArray();

        // Integer wrap-around would turn clipped peaks into full-scale sign flips and change the bitstream.
        var decoded = Gsm0610.RoundTrip(loud);
        Assert.Equal(Gsm0610.RoundTrip(clampedByCaller), decoded);
        Assert.True(RmsDb(decoded) > -6, $"clipped signal decoded at {RmsDb(decoded):F1} dBFS");
    }

    private static short[] EncodeDecode(Gsm0610Encoder encoder, Gsm0610Decoder decoder, short[] pcm)
    {
        var result = new short[pcm.Length];
        var packet = new byte[Gsm0610.FrameBytes];
        for (int s = 0; s + Gsm0610.FrameSamples <= pcm.Length; s += Gsm0610.FrameSamples)
        {
            encoder.Encode(pcm.AsSpan(s, Gsm0610.FrameSamples), packet);
            decoder.Decode(packet, result.AsSpan(s, Gsm0610.FrameSamples));
        }
        return result;
    }

    /// <summary>
    /// 120 Hz harmonic series with a -6 dB/octave tilt (glottal pulse plus lip radiation) through two formant
    /// resonators (an /a/-like 700/1200 Hz by default), at -20 dBFS RMS.
    /// </summary>
    private static float[] Voiced(int length, double formant1 = 700, double formant2 = 1200)
    {
        var source = new double[length];
        for (int i = 0; i < length; i++)
        {
            double t = (double)i / Rate;
            for (int h = 1; h * F0 < 3800; h++) source[i] += Math.Sin(2 * Math.PI * h * F0 * t + 0.3 * h) / h;
        }
        var shaped = Resonate(Resonate(source, formant1, 110), formant2, 140);
        double rms = Math.Sqrt(shaped.Sum(v => v * v) / Math.Max(1, length));
        var result = new float[length];
        for (int i = 0; i < length; i++) result[i] = rms == 0 ? 0 : (float)(shaped[i] / rms * 0.1);
        return result;
    }

    private static double[] Resonate(double[] x, double frequency, double bandwidth)
    {
        double r = Math.Exp(-Math.PI * bandwidth / Rate);
        double a1 = 2 * r * Math.Cos(2 * Math.PI * frequency / Rate), a2 = -r * r;
        var y = new double[x.Length];
        double y1 = 0, y2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] + a1 * y1 + a2 * y2;
            y2 = y1;
            y1 = y[i];
        }
        return y;
    }

    /// <summary>Pulse train (period 67) plus LCG noise through two integer resonators; bit-reproducible on any platform.</summary>
    private static short[] IntegerVoiced(int length)
    {
        var raw = new int[length];
        uint lcg = 12345;
        long y1 = 0, y2 = 0, z1 = 0, z2 = 0;
        for (int i = 0; i < length; i++)
        {
            lcg = lcg * 1664525u + 1013904223u;
            long excitation = (i % 67 == 0 ? 4000 : 0) + (((int)(lcg >> 20) - 2048) >> 3);
            long y = excitation + ((27446 * y1 - 15099 * y2) >> 14);
            y2 = y1;
            y1 = y;
            long z = y + ((11787 * z1 - 14477 * z2) >> 14);
            z2 = z1;
            z1 = z;
            raw[i] = (int)z;
        }
        long peak = Math.Max(1, raw.Max(v => Math.Abs((long)v)));
        var pcm = new short[length];
        for (int i = 0; i < length; i++) pcm[i] = (short)(raw[i] * 20000L / peak);
        return pcm;
    }

    private static short[] ToPcm(float[] audio) =>
        audio.Select(v => (short)Math.Clamp(Math.Round(v * 32768.0), short.MinValue, short.MaxValue)).ToArray();

    private static double RmsDb(IReadOnlyCollection<float> x) =>
        10 * Math.Log10(x.Sum(v => (double)v * v) / Math.Max(1, x.Count) + 1e-20);

    private static double SnrDb(float[] reference, float[] test)
    {
        double signal = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            double d = reference[i] - test[i];
            noise += d * d;
        }
        return 10 * Math.Log10(signal / Math.Max(noise, 1e-20));
    }

    /// <summary>Lag in 40..120 (the codec's LTP range) with the highest normalised autocorrelation.</summary>
    private static int PitchLag(float[] x)
    {
        int best = 0;
        double bestValue = double.MinValue;
        for (int lag = 40; lag <= 120; lag++)
        {
            double c = 0, e0 = 0, e1 = 0;
            for (int i = lag; i < x.Length; i++)
            {
                c += (double)x[i] * x[i - lag];
                e0 += (double)x[i] * x[i];
                e1 += (double)x[i - lag] * x[i - lag];
            }
            double value = c / Math.Sqrt(e0 * e1 + 1e-20);
            if (value > bestValue)
            {
                bestValue = value;
                best = lag;
            }
        }
        return best;
    }

    /// <summary>Log energies of 200 Hz bands from 200 to 3400 Hz, averaged over Hann-windowed 256-sample frames.</summary>
    private static double[] BandLogEnergies(float[] x)
    {
        const int n = 256;
        var power = new double[n / 2 + 1];
        var window = Enumerable.Range(0, n).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n)).ToArray();
        for (int start = 0; start + n <= x.Length; start += n / 2)
        {
            for (int bin = 0; bin <= n / 2; bin++)
            {
                double re = 0, im = 0;
                for (int i = 0; i < n; i++)
                {
                    double angle = 2 * Math.PI * bin * i / n;
                    double v = x[start + i] * window[i];
                    re += v * Math.Cos(angle);
                    im -= v * Math.Sin(angle);
                }
                power[bin] += re * re + im * im;
            }
        }
        var bands = new double[16];
        for (int b = 0; b < bands.Length; b++)
        {
            double lo = 200 + 200 * b, hi = lo + 200, sum = 0;
            for (int bin = 0; bin <= n / 2; bin++)
            {
                double f = (double)bin * Rate / n;
                if (f >= lo && f < hi) sum += power[bin];
            }
            bands[b] = 10 * Math.Log10(sum + 1e-20);
        }
        return bands;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}

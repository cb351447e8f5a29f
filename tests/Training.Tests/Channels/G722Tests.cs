using VoiceEmotion.Training.Channels;
using Xunit.Abstractions;

namespace VoiceEmotion.Training.Tests.Channels;

/// <summary>G.722 round trips on synthetic signals; thresholds come from measured values with margin.</summary>
public sealed class G722Tests(ITestOutputHelper output)
{
    private const int Rate = G722.SampleRate;

    // Scale factors start at their minimum and need a few ms to reach the signal's level; SNR is
    // measured after that so the thresholds describe the steady-state codec.
    private const int WarmUp = Rate / 50;

    private static float[] Tone(double hz, double amplitude, double seconds)
    {
        var x = new float[(int)(seconds * Rate)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / Rate));
        return x;
    }

    /// <summary>Harmonics of a slightly wavering 150 Hz pitch through four formant resonators, peak 0.5.</summary>
    private static float[] Voiced(double seconds)
    {
        var source = new double[(int)(seconds * Rate)];
        double phase = 0;
        for (int i = 0; i < source.Length; i++)
        {
            double f0 = 150 * (1 + 0.03 * Math.Sin(2 * Math.PI * 4 * i / Rate));
            phase += 2 * Math.PI * f0 / Rate;
            double sum = 0;
            for (int k = 1; k * f0 < 7600; k++) sum += Math.Sin(k * phase) / k;
            source[i] = sum;
        }
        foreach (var (freq, bandwidth) in new[] { (700.0, 80.0), (1200.0, 90.0), (2600.0, 120.0), (3500.0, 200.0) })
        {
            double r = Math.Exp(-Math.PI * bandwidth / Rate);
            double a1 = 2 * r * Math.Cos(2 * Math.PI * freq / Rate), a2 = -r * r, gain = 1 - r;
            double y1 = 0, y2 = 0;
            for (int i = 0; i < source.Length; i++)
            {
                double y = gain * source[i] + a1 * y1 + a2 * y2;
                y2 = y1;
                y1 = y;
                source[i] = y;
            }
        }
        double peak = source.Max(Math.Abs);
        return source.Select(v => (float)(0.5 * v / peak)).ToArray();
    }

    private static double SnrDb(float[] reference, float[] test, int lag = 0)
    {
        double signal = 0, noise = 0;
        for (int i = WarmUp; i < reference.Length - 8; i++)
        {
            signal += (double)reference[i] * reference[i];
            double e = reference[i] - test[i + lag];
            noise += e * e;
        }
        return 10 * Math.Log10(signal / Math.Max(noise, 1e-30));
    }

    private static double RmsDb(float[] x, int from, int to)
    {
        double sum = 0;
        for (int i = from; i < to; i++) sum += (double)x[i] * x[i];
        return 10 * Math.Log10(Math.Max(sum / (to - from), 1e-30));
    }

    [Fact]
    public void ToneAt1kHzRoundTripsAt64kWithHighSnr()
    {
        var x = Tone(1000, 0.5, 1.0);
        double snr = SnrDb(x, G722.RoundTrip(x));
        output.WriteLine($"1 kHz tone SNR: {snr:F2} dB");
        // Measured 47.5 dB: the 2-pole predictor locks onto a pure tone, leaving little for the 6-bit
        // quantiser. A misaligned delay gives ~8 dB and a wrong table or broken predictor far less.
        Assert.True(snr > 40, $"SNR {snr:F2} dB");
    }

    [Theory]
    [InlineData(64000, 36.0)]
    [InlineData(56000, 30.0)]
    [InlineData(48000, 24.0)]
    public void VoicedSignalRoundTripsWithRateDependentSnr(int bitRate, double minSnrDb)
    {
        var x = Voiced(1.5);
        double snr = SnrDb(x, G722.RoundTrip(x, bitRate));
        output.WriteLine($"voiced SNR at {bitRate}: {snr:F2} dB");
        // Measured 64k 41.9, 56k 35.9, 48k 30.1 dB: each dropped low-band bit costs about 6 dB, as
        // expected for a quantiser with half as many levels. Thresholds sit ~6 dB below.
        Assert.True(snr > minSnrDb, $"SNR {snr:F2} dB at {bitRate}");
    }

    [Fact]
    public void FewerLowBandBitsGiveLowerSnr()
    {
        // The 56/48 kbit/s decoders must actually use fewer bits, not silently run the 64k table.
        var x = Voiced(1.0);
        double s64 = SnrDb(x, G722.RoundTrip(x, 64000));
        double s56 = SnrDb(x, G722.RoundTrip(x, 56000));
        double s48 = SnrDb(x, G722.RoundTrip(x, 48000));
        // Measured steps of 5.9 and 5.8 dB.
        Assert.True(s64 > s56 + 3 && s56 > s48 + 3, $"{s64:F2} / {s56:F2} / {s48:F2} dB");
    }

    [Fact]
    public void DelayCompensationAlignsOutputWithInput()
    {
        // If the 22-sample delay were off by one, lag 0 would not be the best of nearby lags: measured
        // 41.9 dB at lag 0 against 10.4 dB at lag +-1 and 4.5 dB at +-2.
        var x = Voiced(1.0);
        var y = G722.RoundTrip(x);
        double atZero = SnrDb(x, y);
        foreach (int lag in new[] { -2, -1, 1, 2 })
        {
            double shifted = SnrDb(x, y, lag);
            Assert.True(atZero > shifted + 20, $"lag 0: {atZero:F2} dB, lag {lag}: {shifted:F2} dB");
        }
    }

    [Fact]
    public void SixKilohertzToneSurvivesThroughTheUpperBand()
    {
        // 6 kHz lies in the 4-8 kHz band that only the 2-bit high-band ADPCM carries, so a dead or
        // mis-scaled upper band shows up as a level far from the input's.
        var x = Tone(6000, 0.3, 1.0);
        var y = G722.RoundTrip(x);
        double levelChange = RmsDb(y, WarmUp, y.Length) - RmsDb(x, WarmUp, x.Length);
        double snr = SnrDb(x, y);
        output.WriteLine($"6 kHz tone: level change {levelChange:F2} dB, SNR {snr:F2} dB");
        // Measured level change -0.03 dB and SNR 27.2 dB: the high-band predictor tracks a steady tone
        // even with 2 bits. A wrong sign, mirror-image or delay in the upper band gives SNR <= 0 dB.
        Assert.InRange(levelChange, -2.0, 2.0);
        Assert.True(snr > 20, $"SNR {snr:F2} dB");
    }

    [Fact]
    public void SilenceStaysSilent()
    {
        var y = G722.RoundTrip(new float[Rate]);
        // At the minimum step size the lowest decision levels round to zero, so digital silence codes as
        // a tiny positive level and decodes to a DC of 2 LSB (measured peak 4 LSB, about -78 dBFS, as in
        // the standard's arithmetic). Idle noise from a scale factor that fails to stay at its floor
        // would be far larger.
        Assert.All(y, v => Assert.True(Math.Abs(v) <= 4f / 32768, $"sample {v}"));
    }

    [Fact]
    public void DigitalSilenceGivesTheStandardsIdleCode()
    {
        // Worked by hand from the tables: at the initial low-band step (32) decision levels 1-3 round to
        // 0, so a zero error lands in interval 4 (code 58), and the high band picks its inner positive
        // code 3: byte 0xFA. Any slip in the quantiser search or code mapping changes it. The +1 that
        // code reconstructs slowly trains the predictor, so later bytes drift (measured: 32 bytes stay
        // 0xFA); only the first 16 are pinned.
        var bytes = new byte[160];
        Assert.Equal(160, new G722Encoder().Encode(new short[320], bytes));
        Assert.All(bytes.Take(16), b => Assert.Equal(0xFA, b));
    }

    [Fact]
    public void SilenceAfterSpeechDecaysToNearSilence()
    {
        var speech = Voiced(0.5);
        var x = new float[Rate];
        speech.CopyTo(x, 0);
        var y = G722.RoundTrip(x);
        double tail = RmsDb(y, 3 * Rate / 4, Rate);
        output.WriteLine($"tail level after speech: {tail:F2} dBFS");
        // Measured -87.9 dBFS: the scale factors leak back to their minimum within ~100 ms, so a codec
        // whose adaptation never recovers would leave audible idle noise well above -70 dBFS.
        Assert.True(tail < -70, $"tail {tail:F2} dBFS");
    }

    [Fact]
    public void EncoderWritesOneBytePerTwoSamples()
    {
        var x = Voiced(0.1);
        var pcm = x.Select(v => (short)(v * 32767)).ToArray();
        var bytes = new byte[pcm.Length];
        var encoder = new G722Encoder();
        Assert.Equal(pcm.Length / 2, encoder.Encode(pcm, bytes));
        var decoded = new short[pcm.Length];
        Assert.Equal(pcm.Length, new G722Decoder().Decode(bytes.AsSpan(0, pcm.Length / 2), decoded));
        Assert.Throws<ArgumentException>(() => encoder.Encode(pcm.AsSpan(0, 3), bytes));
    }

    [Fact]
    public void RoundTripAndResetAreDeterministic()
    {
        var x = Voiced(0.5);
        Assert.Equal(G722.RoundTrip(x), G722.RoundTrip(x));

        var pcm = x.Select(v => (short)(v * 32767)).ToArray();
        var encoder = new G722Encoder();
        var first = new byte[pcm.Length / 2];
        var second = new byte[pcm.Length / 2];
        encoder.Encode(pcm, first);
        encoder.Reset();
        encoder.Encode(pcm, second);
        Assert.Equal(first, second);

        var decoder = new G722Decoder();
        var out1 = new short[pcm.Length];
        var out2 = new short[pcm.Length];
        decoder.Decode(first, out1);
        decoder.Reset();
        decoder.Decode(first, out2);
        Assert.Equal(out1, out2);
    }

    [Fact]
    public void StreamingInChunksMatchesOneCall()
    {
        // State carries across calls, so a VoIP-style 20 ms framing must give the same bytes.
        var pcm = Voiced(0.3).Select(v => (short)(v * 32767)).ToArray();
        var whole = new byte[pcm.Length / 2];
        new G722Encoder().Encode(pcm, whole);
        var chunked = new byte[pcm.Length / 2];
        var encoder = new G722Encoder();
        for (int start = 0; start < pcm.Length; start += 320)
        {
            int n = Math.Min(320, pcm.Length - start);
            encoder.Encode(pcm.AsSpan(start, n), chunked.AsSpan(start / 2));
        }
        Assert.Equal(whole, chunked);
    }

    [Fact]
    public void LowerRateDecodersIgnoreTheDroppedBits()
    {
        // G.722 is embedded: the predictor adapts on the top 4 low-band bits only, so a 48k decoder fed
        // a full 64k stream must produce exactly what it produces from the 48k encoder's stream.
        var pcm = Voiced(0.3).Select(v => (short)(v * 32767)).ToArray();
        var full = new byte[pcm.Length / 2];
        var reduced = new byte[pcm.Length / 2];
        new G722Encoder(64000).Encode(pcm, full);
        new G722Encoder(48000).Encode(pcm, reduced);
        Assert.NotEqual(full, reduced);
        var a = new short[pcm.Length];
        var b = new short[pcm.Length];
        new G722Decoder(48000).Decode(full, a);
        new G722Decoder(48000).Decode(reduced, b);
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1601)]
    public void OddAndTinyLengthsKeepTheirLength(int length)
    {
        var x = Tone(440, 0.3, length / (double)Rate);
        Assert.Equal(length, x.Length);
        var y = G722.RoundTrip(x);
        Assert.Equal(length, y.Length);
        Assert.All(y, v => Assert.True(float.IsFinite(v) && Math.Abs(v) <= 1));
    }

    [Fact]
    public void OverloadedInputIsClampedNotWrapped()
    {
        // Values beyond +-1 must clamp to 16 bits; wrapping would flip the sign and wreck the waveform.
        var x = Tone(500, 1.5, 0.5);
        var y = G722.RoundTrip(x);
        var clipped = x.Select(v => Math.Clamp(v, -1f, 1f)).ToArray();
        double snr = SnrDb(clipped, y);
        output.WriteLine($"clipped 500 Hz SNR vs clamped input: {snr:F2} dB");
        // Measured 42.0 dB against the clamped input; wrap-around would give a negative SNR.
        Assert.True(snr > 30, $"SNR {snr:F2} dB");
    }

    [Theory]
    [InlineData(32000)]
    [InlineData(0)]
    [InlineData(-64000)]
    [InlineData(64001)]
    public void UnsupportedBitRatesAreRejected(int bitRate)
    {
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => new G722Encoder(bitRate));
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new G722Decoder(bitRate));
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => G722.RoundTrip(new float[10], bitRate));
        foreach (var e in new[] { e1, e2, e3 })
            Assert.Contains("64000, 56000 or 48000", e.Message);
    }
}

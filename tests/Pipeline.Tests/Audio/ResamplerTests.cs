using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Pipeline.Tests.Audio;

public sealed class ResamplerTests
{
    public static TheoryData<int> CommonRates() => new() { 8000, 11025, 22050, 24000, 32000, 44100, 48000 };

    // Rates whose ratio to 16 kHz needs more than 640 phases: a speed-perturbed recording, odd device rates.
    private static readonly int[] Odd = [14401, 15873, 15999, 16001, 17599, 44101, 47999, 95999];

    public static TheoryData<int> OddRates() => [.. Odd];

    [Theory]
    [MemberData(nameof(CommonRates))]
    [MemberData(nameof(OddRates))]
    public void PassbandToneKeepsItsAmplitudeFrequencyAndTime(int inputRate)
    {
        const double f = 1000;
        var input = Signals.Tone(f, inputRate, 2.0, amplitude: 0.5);
        var output = Resampler.Resample(input, inputRate, 16000);
        // Time is exact: the output is as long as the input's duration at 16 kHz.
        long expected = (long)input.Length * 16000 / inputRate;
        Assert.InRange(output.Length, expected - 1, expected + 2);
        var steady = output.AsSpan(4000, 24000);
        double gainDb = 20 * Math.Log10(Signals.Rms(steady) / (0.5 / Math.Sqrt(2)));
        Assert.InRange(gainDb, -0.5, 0.5);
        // Frequency: count positive-going zero crossings over the steady part.
        int crossings = 0;
        for (int i = 1; i < steady.Length; i++) if (steady[i - 1] < 0 && steady[i] >= 0) crossings++;
        Assert.InRange(crossings / (steady.Length / 16000.0), f - 1, f + 1);
        // Distortion (for odd rates, what the interpolation between table phases leaves): the residual after the
        // best-fitting 1 kHz sine.
        double residualDb = 20 * Math.Log10(Signals.SineResidualRms(steady, f, 16000) / Signals.Rms(steady));
        Assert.True(residualDb < -90, $"{inputRate} Hz: residual {residualDb:F1} dB");
    }

    [Theory]
    [MemberData(nameof(CommonRates))]
    [MemberData(nameof(OddRates))]
    public void OnlyOddRatesUseTheInterpolatedTable(int inputRate) =>
        Assert.Equal(Odd.Contains(inputRate), new Resampler(inputRate).IsInterpolated);

    [Theory]
    [InlineData(48000, 9000)]
    [InlineData(48000, 11000)]
    [InlineData(44100, 9500)]
    [InlineData(44100, 15000)]
    [InlineData(32000, 10000)]
    [InlineData(24000, 9000)]
    [InlineData(22050, 10500)]
    [InlineData(47999, 9000)] // odd rates: the interpolated table
    [InlineData(44101, 11000)]
    [InlineData(95999, 9500)]
    [InlineData(17599, 8800)]
    public void TonesAboveTheNewNyquistAreRejectedBy60Db(int inputRate, double f)
    {
        var input = Signals.Tone(f, inputRate, 1.0, amplitude: 0.5);
        var output = Resampler.Resample(input, inputRate, 16000);
        double rejectionDb = 20 * Math.Log10(Signals.Rms(output.AsSpan(2000, 12000)) / Signals.Rms(input));
        Assert.True(rejectionDb <= -60, $"{f} Hz at {inputRate} Hz: only {rejectionDb:F1} dB");
    }

    [Theory]
    [MemberData(nameof(CommonRates))]
    [InlineData(15873)] // odd rates: the interpolated table
    [InlineData(47999)]
    public void ChunkedProcessingEqualsOneShot(int inputRate)
    {
        var input = Signals.SpeechLike(inputRate, 0.7, seed: inputRate);
        var oneShot = Resampler.Resample(input, inputRate, 16000);
        for (int seed = 0; seed < 3; seed++)
        {
            var resampler = new Resampler(inputRate);
            var output = new List<float>();
            var scratch = new float[resampler.MaxOutputSamples(5000)];
            foreach (var range in Signals.RandomChunks(input.Length, seed, maxChunk: 5000))
            {
                int n = resampler.Process(input.AsSpan(range), scratch);
                output.AddRange(scratch.AsSpan(0, n).ToArray());
            }
            Assert.Equal(oneShot, output.ToArray());
        }
    }

    [Fact]
    public void SameRateIsACopy()
    {
        var input = Signals.WhiteNoise(1000, 3);
        Assert.Equal(input, Resampler.Resample(input, 16000, 16000));
    }

    [Fact]
    public void AudioInputDecoderTurnsEightKilohertzMuLawIntoSixteenKilohertzFloat()
    {
        var tone = Signals.Tone(440, 8000, 0.5, amplitude: 0.5);
        var bytes = ChunkDecoderTests.Encode(tone, AudioEncoding.MuLaw);
        var decoder = new AudioInputDecoder(new AudioFormat(AudioEncoding.MuLaw, 8000, 1));
        var output = new List<float>();
        var scratch = new float[decoder.MaxOutputSamples(160)];
        for (int i = 0; i < bytes.Length; i += 160)
        {
            int n = decoder.Push(bytes.AsSpan(i, Math.Min(160, bytes.Length - i)), scratch);
            output.AddRange(scratch.AsSpan(0, n).ToArray());
        }
        Assert.Equal(8000, output.Count);
        Assert.Equal(8000, decoder.OutputSamples);
        Assert.InRange(Signals.Rms(output.ToArray().AsSpan(1000, 6000)), 0.33, 0.38);
    }

    [Fact]
    public void TelephoneChannelPassesTheVoiceBandOnly()
    {
        double Gain(double f)
        {
            var tone = Signals.Tone(f, 16000, 1.0, amplitude: 0.3);
            var line = TelephoneChannel.Apply(tone);
            return 20 * Math.Log10(Signals.Rms(line.AsSpan(3000, 10000)) / Signals.Rms(tone));
        }
        Assert.InRange(Gain(1000), -3, 1);
        Assert.True(Gain(100) < -15, $"100 Hz: {Gain(100):F1} dB");
        Assert.True(Gain(5000) < -40, $"5 kHz: {Gain(5000):F1} dB");
    }

    [Fact]
    public void DeclaringManyOddRatesNeitherCostsMegabytesNorGrowsTheSharedCache()
    {
        // Before: 95,999 Hz alone designed a 16,000-phase bank (9.6 million taps, ~115 MB while designing, ~38 MB kept
        // for the life of the process), and every further odd rate another.
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var first = new Resampler(95_999);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 8_000_000,
            $"{(GC.GetAllocatedBytesForCurrentThread() - allocated) / 1e6:F1} MB for one odd rate");
        // Near-unity odd rates share a handful of interpolated banks: the cache grows by banks, not by rates.
        // 160 rates, none sharing a factor with 16,000; each with a bank of its own would add ~4 million coefficients.
        // The slack covers common-rate banks other tests may add meanwhile.
        long before = Resampler.CachedCoefficients;
        int rates = 0;
        for (int rate = 15_801; rate < 16_200; rate += 2)
            if (rate % 5 != 0) { Assert.True(new Resampler(rate).IsInterpolated); rates++; }
        long grown = Resampler.CachedCoefficients - before;
        Assert.Equal(160, rates);
        Assert.True(grown <= 8L * (Resampler.InterpolatedPhases + 1) * 110 + 300_000, $"{grown} coefficients cached for {rates} odd rates");
        Assert.True(first.IsInterpolated);
        Assert.True(Resampler.CachedCoefficients <= Resampler.CacheBudgetCoefficients);
    }
}

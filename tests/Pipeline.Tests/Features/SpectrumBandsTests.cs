using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Tests.Features;

public sealed class SpectrumBandsTests
{
    private const int FftSize = 512, Rate = 16000;
    private const double BinHz = (double)Rate / FftSize;

    // Each descriptor straight from its definition, bin by bin in double.
    private static (double Centroid, double Rolloff, double Flatness, double Slope, double Alpha, double RolloffSlack) Reference(float[] power)
    {
        int bins = power.Length - 1;
        double total = 0, moment = 0, sumLog = 0;
        for (int k = 1; k <= bins; k++)
        {
            total += power[k];
            moment += power[k] * k * BinHz;
            sumLog += Math.Log(power[k] + 1e-10f);
        }
        double running = 0, rolloff = bins * BinHz, slack = 0;
        for (int k = 1; k <= bins; k++)
        {
            running += power[k];
            if (running >= 0.85 * total) { rolloff = k * BinHz; slack = (running - 0.85 * total) / total; break; }
        }
        // Least-squares slope of 10·log10(P + floor) on kHz over bins 1 … 5 kHz.
        int slopeBins = (int)(5000 / BinHz);
        double mx = 0, my = 0;
        for (int k = 1; k <= slopeBins; k++) { mx += k * BinHz / 1000; my += 10 * Math.Log10(power[k] + 1e-10f); }
        mx /= slopeBins; my /= slopeBins;
        double sxy = 0, sxx = 0;
        for (int k = 1; k <= slopeBins; k++)
        {
            double x = k * BinHz / 1000 - mx;
            sxy += x * (10 * Math.Log10(power[k] + 1e-10f) - my);
            sxx += x * x;
        }
        double low = 0, high = 0;
        for (int k = 0; k <= bins; k++)
        {
            double hz = k * BinHz;
            if (hz >= 50 && k <= (int)(1000 / BinHz)) low += power[k];
            else if (k > (int)(1000 / BinHz) && k <= (int)(5000 / BinHz)) high += power[k];
        }
        return (moment / total, rolloff, Math.Exp(sumLog / bins) / (total / bins), sxy / sxx,
            Math.Clamp(10 * Math.Log10((low + 1e-10f) / (high + 1e-10f)), -60, 60), slack);
    }

    private static readonly string[] ShapeNames = ["white", "falling", "harmonic", "band", "sparse"];
    public static TheoryData<string> Shapes => new(ShapeNames);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EachDescriptorMatchesItsDefinitionSummedInDouble(string shape)
    {
        var bands = new SpectrumBands(FftSize, Rate);
        // A fixed seed per shape: string.GetHashCode is randomised per process, and one process drew an all-zero
        // "sparse" spectrum (silence has no centroid; SilenceDescribesAsZeros covers it).
        var random = new Random(Array.IndexOf(ShapeNames, shape) + 1);
        for (int trial = 0; trial < 25; trial++)
        {
            var power = new float[FftSize / 2 + 1];
            for (int k = 0; k < power.Length; k++)
            {
                double hz = k * BinHz, noise = random.NextDouble();
                power[k] = (float)(shape switch
                {
                    "white" => noise,
                    "falling" => noise * Math.Pow(10, -hz / 2000),              // −5 dB per kHz
                    "harmonic" => (Math.Abs(hz % 180 - 90) > 70 ? 1 : 1e-4) * noise * Math.Pow(10, -hz / 4000),
                    "band" => hz is > 1200 and < 2600 ? noise : 1e-9 * noise,   // energy above 1 kHz only
                    _ => random.Next(40) == 0 ? noise * 100 : 0,               // a few lines, the rest exactly zero
                });
            }
            bands.Describe(power, out float centroid, out float rolloff, out float flatness, out float slope, out float alpha);
            var expected = Reference(power);
            Assert.Equal(expected.Centroid, centroid, 1e-5 * expected.Centroid);
            Assert.Equal(expected.Flatness, flatness, 1e-5 * expected.Flatness + 1e-7);
            Assert.Equal(expected.Slope, slope, 1e-4 * Math.Max(1, Math.Abs(expected.Slope)));
            Assert.Equal(expected.Alpha, alpha, 1e-3);
            // The roll-off bin is exact unless the double running sum met the target within float rounding.
            if (expected.RolloffSlack > 1e-5) Assert.Equal(expected.Rolloff, rolloff, 1e-3);
            else Assert.InRange(rolloff, expected.Rolloff - BinHz - 1e-3, expected.Rolloff + BinHz + 1e-3);
        }
    }

    [Fact]
    public void SilenceDescribesAsZeros()
    {
        var bands = new SpectrumBands(FftSize, Rate);
        bands.Describe(new float[FftSize / 2 + 1], out float centroid, out float rolloff, out float flatness, out float slope, out float alpha);
        Assert.Equal([0f, 0f, 0f, 0f, 0f], new[] { centroid, rolloff, flatness, slope, alpha });
    }

    [Fact]
    public void AToneAtOneBinHasItsFrequencyAsCentroidAndRolloffAndNoFlatness()
    {
        var bands = new SpectrumBands(FftSize, Rate);
        var power = new float[FftSize / 2 + 1];
        power[64] = 1; // 2 kHz
        bands.Describe(power, out float centroid, out float rolloff, out float flatness, out _, out float alpha);
        Assert.Equal(2000, centroid, 1e-2);
        Assert.Equal(2000, rolloff, 1e-2);
        Assert.True(flatness < 1e-6, $"flatness {flatness}");
        Assert.True(alpha < -50, $"alpha ratio {alpha} (all energy in the 1–5 kHz band)");
    }
}

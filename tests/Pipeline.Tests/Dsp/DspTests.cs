using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Pipeline.Tests.Dsp;

public sealed class DspTests
{
    [Theory]
    [InlineData(8)]
    [InlineData(512)]
    [InlineData(1024)]
    public void RealFftMatchesANaiveDft(int size)
    {
        var x = Signals.WhiteNoise(size - 3, seed: size); // shorter input: zero padding too
        var fft = new RealFft(size);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        var power = new float[fft.Bins];
        fft.Forward(x, re, im);
        fft.PowerSpectrum(x, power);
        for (int k = 0; k < fft.Bins; k++)
        {
            double sr = 0, si = 0;
            for (int n = 0; n < x.Length; n++)
            {
                sr += x[n] * Math.Cos(2 * Math.PI * k * n / size);
                si -= x[n] * Math.Sin(2 * Math.PI * k * n / size);
            }
            Assert.Equal(sr, re[k], 1e-3 * Math.Sqrt(size));
            Assert.Equal(si, im[k], 1e-3 * Math.Sqrt(size));
            Assert.Equal(sr * sr + si * si, power[k], 2e-3 * size);
        }
    }

    [Fact]
    public void MelFiltersCoverTheSpectrumInIncreasingOrder()
    {
        var mel = new MelFilterbank(40, 512, 16000, 20, 8000);
        var flat = Enumerable.Repeat(1f, 257).ToArray();
        var energies = new float[40];
        mel.Apply(flat, energies);
        Assert.All(energies, e => Assert.True(e > 0));
        // A tone lands in the band whose centre is nearest; bands rise with frequency.
        int Peak(double hz)
        {
            var p = new float[257];
            p[(int)Math.Round(hz / 31.25)] = 1;
            mel.Apply(p, energies);
            return Array.IndexOf(energies, energies.Max());
        }
        Assert.True(Peak(300) < Peak(1000));
        Assert.True(Peak(1000) < Peak(4000));
        Assert.True(Peak(4000) < Peak(7500));
    }

    [Theory]
    [InlineData(110)]
    [InlineData(220)]
    [InlineData(300)]
    [InlineData(450)]
    public void YinFindsTheFundamentalOfAHarmonicTone(double f0)
    {
        var tracker = new PitchTracker(16000, 60, 500, 667);
        var x = Signals.Harmonic(f0, 16000, 0.2);
        var (hz, aperiodicity, correlation) = tracker.Estimate(x.AsSpan(1000, 667));
        Assert.InRange(hz, f0 - 2, f0 + 2);
        Assert.True(aperiodicity < 0.1, $"aperiodicity {aperiodicity}");
        Assert.True(correlation > 0.9, $"correlation {correlation}");
    }

    [Fact]
    public void ButterworthSectionsPassAndStopWhereDesigned()
    {
        double Gain(double f, bool low)
        {
            var x = Signals.Tone(f, 8000, 1.0);
            foreach (double q in Biquad.Butterworth4Q)
                (low ? Biquad.LowPass(8000, 1000, q) : Biquad.HighPass(8000, 1000, q)).Process(x);
            return 20 * Math.Log10(Signals.Rms(x.AsSpan(2000)) / (0.5 / Math.Sqrt(2)));
        }
        Assert.InRange(Gain(200, low: true), -0.5, 0.5);
        Assert.InRange(Gain(1000, low: true), -3.5, -2.5);
        Assert.True(Gain(3000, low: true) < -35);
        Assert.True(Gain(200, low: false) < -50);
    }
}

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

    [Theory]
    [InlineData(8, true)]
    [InlineData(512, true)]
    [InlineData(512, false)]
    [InlineData(4096, true)]
    public void RealFftInverseUndoesForward(int size, bool simd)
    {
        // Full, short (zero-padded) and odd-length signals; the inverse writes as many samples as asked for.
        var fft = new RealFft(size, allowSimd: simd);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        foreach (int length in new[] { size, size / 2 + 1, size - 3 })
        {
            var x = Signals.WhiteNoise(length, seed: size + length);
            fft.Forward(x, re, im);
            var back = new float[length];
            fft.Inverse(re, im, back);
            for (int n = 0; n < length; n++) Assert.Equal(x[n], back[n], 2e-6 * Math.Log2(size) * 10);
            // The zero padding comes back as zeros.
            var whole = new float[size];
            fft.Inverse(re, im, whole);
            for (int n = length; n < size; n++) Assert.Equal(0f, whole[n], 2e-6 * Math.Log2(size) * 10);
        }
    }

    [Fact]
    public void RealFftInverseMatchesANaiveInverseDft()
    {
        // A spectrum that is not the transform of anything we made: each bin drawn at random (bins 0 and N/2 real).
        const int size = 64;
        var rng = new Random(11);
        var re = new float[size / 2 + 1];
        var im = new float[size / 2 + 1];
        for (int k = 0; k <= size / 2; k++)
        {
            re[k] = (float)(rng.NextDouble() - 0.5);
            im[k] = k == 0 || k == size / 2 ? 0 : (float)(rng.NextDouble() - 0.5);
        }
        var y = new float[size];
        new RealFft(size).Inverse(re, im, y);
        for (int n = 0; n < size; n++)
        {
            // x[n] = (1/N) Σ_k X[k] e^{2πikn/N} over all N bins, X[N−k] = conj X[k].
            double sum = re[0] + re[size / 2] * Math.Cos(Math.PI * n);
            for (int k = 1; k < size / 2; k++)
            {
                double angle = 2 * Math.PI * k * n / size;
                sum += 2 * (re[k] * Math.Cos(angle) - im[k] * Math.Sin(angle));
            }
            Assert.Equal(sum / size, y[n], 1e-5);
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(100, 7, 100)]
    [InlineData(333, 250, 600)]
    [InlineData(40, 90, 10)]
    public void FftConvolutionMatchesTheDirectSum(int signalLength, int kernelLength, int outputLength)
    {
        var x = Signals.WhiteNoise(signalLength, seed: 1);
        var h = Signals.WhiteNoise(kernelLength, seed: 2);
        var y = FftConvolution.Convolve(x, h, outputLength);
        Assert.Equal(outputLength, y.Length);
        for (int n = 0; n < outputLength; n++)
        {
            double sum = 0;
            for (int k = Math.Max(0, n - signalLength + 1); k <= Math.Min(n, kernelLength - 1); k++) sum += h[k] * (double)x[n - k];
            Assert.Equal(sum, y[n], 1e-5); // past the full result's end (n ≥ signal + kernel − 1) the sum is empty: 0
        }
    }

    [Theory]
    [InlineData(512, true)]
    [InlineData(512, false)]
    public void BothFftPathsMatchANaiveDftInDouble(int size, bool simd)
    {
        // The 512-point transform has a SIMD path (16 × 16 four-step FFT on 512-bit vectors, or 256-bit ones on AVX2
        // machines, whichever this CPU runs) and the generic radix-2
        // one; both against a double-precision DFT, for full, short, odd-length and impulse inputs.
        var fft = new RealFft(size, allowSimd: simd);
        var re = new float[fft.Bins];
        var im = new float[fft.Bins];
        var power = new float[fft.Bins];
        foreach (var x in new[] { Signals.WhiteNoise(size, seed: 5), Signals.WhiteNoise(400, seed: 6), Signals.WhiteNoise(401, seed: 7), Impulse(size, 3) })
        {
            fft.Forward(x, re, im);
            fft.PowerSpectrum(x, power);
            double peak = 0;
            var exact = new (double Re, double Im)[fft.Bins];
            for (int k = 0; k < fft.Bins; k++)
            {
                double sr = 0, si = 0;
                for (int n = 0; n < x.Length; n++)
                {
                    double angle = 2 * Math.PI * ((long)k * n % size) / size;
                    sr += x[n] * Math.Cos(angle);
                    si -= x[n] * Math.Sin(angle);
                }
                exact[k] = (sr, si);
                peak = Math.Max(peak, Math.Sqrt(sr * sr + si * si));
            }
            for (int k = 0; k < fft.Bins; k++)
            {
                // Float rounding of a 9-level transform: ~1e-6 of the largest bin per level; 2e-5 leaves room.
                Assert.True(Math.Abs(exact[k].Re - re[k]) < 2e-5 * peak, $"bin {k} re: {re[k]} vs {exact[k].Re}");
                Assert.True(Math.Abs(exact[k].Im - im[k]) < 2e-5 * peak, $"bin {k} im: {im[k]} vs {exact[k].Im}");
                double p = exact[k].Re * exact[k].Re + exact[k].Im * exact[k].Im;
                Assert.True(Math.Abs(p - power[k]) < 4e-5 * peak * peak, $"bin {k} power: {power[k]} vs {p}");
            }
        }
    }

    private static float[] Impulse(int length, int at)
    {
        var x = new float[length];
        x[at] = 1;
        return x;
    }

    [Fact]
    public void MelBandsEqualTheirTriangleTimesThePowerSummedInDouble()
    {
        // Apply sums each band in chunks of 8 bins (the last chunk moved back to end at the last bin): against the
        // triangles' weights read out one bin at a time (a unit spectrum per bin) and summed in double, on random spectra.
        var mel = new MelFilterbank(40, 512, 16000, 20, 8000);
        var weights = new float[257, 40];
        var unit = new float[257];
        var energies = new float[40];
        for (int k = 0; k < 257; k++)
        {
            unit[k] = 1;
            mel.Apply(unit, energies);
            for (int b = 0; b < 40; b++) weights[k, b] = energies[b];
            unit[k] = 0;
        }
        Assert.True(weights[256, 39] > 0 || weights[255, 39] > 0, "the top band reaches the last bins");
        var random = new Random(4);
        for (int trial = 0; trial < 20; trial++)
        {
            var power = Enumerable.Range(0, 257).Select(_ => (float)(random.NextDouble() * random.NextDouble() * 100)).ToArray();
            mel.Apply(power, energies);
            for (int b = 0; b < 40; b++)
            {
                double expected = 0;
                for (int k = 0; k < 257; k++) expected += (double)weights[k, b] * power[k];
                Assert.Equal(expected, energies[b], 1e-5 * Math.Max(1, expected));
            }
        }
        Assert.Throws<ArgumentException>(() => mel.Apply(new float[256], energies));
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

    [Theory]
    [InlineData(4000, 166)]
    [InlineData(8000, 333)]
    public void DirectAutocorrelationGivesTheFftPathsPitch(int rate, int length)
    {
        // The same YIN on speech-like audio with the autocorrelation summed directly (SIMD over lags) and by FFT:
        // the two differ only in float rounding, so F0, aperiodicity and correlation agree closely on every buffer.
        var direct = new PitchTracker(rate, 60, 500, length, 0.15, direct: true);
        var viaFft = new PitchTracker(rate, 60, 500, length, 0.15, direct: false);
        var x = Signals.SpeechLike(rate, 3, seed: 5);
        int voiced = 0;
        for (int start = 0; start + length <= x.Length; start += rate / 100)
        {
            var a = direct.Estimate(x.AsSpan(start, length));
            var b = viaFft.Estimate(x.AsSpan(start, length));
            if (b.Aperiodicity < 0.3f) voiced++;
            // 1e-3 relative on F0 and 2e-3 absolute on the others: float sums of ~300 products in a different order;
            // a frame whose CMND has two dips within rounding of each other could pick either, so allow 1 % of frames.
            if (Math.Abs(a.F0Hz - b.F0Hz) > 1e-3 * b.F0Hz || Math.Abs(a.Aperiodicity - b.Aperiodicity) > 2e-3 || Math.Abs(a.Correlation - b.Correlation) > 2e-3)
                Assert.Fail($"at {start}: direct {a}, FFT {b}");
        }
        Assert.True(voiced > 50, $"{voiced} voiced buffers");
    }

    // YIN as defined (de Cheveigné & Kawahara 2002, steps 2–5 as PitchTracker reads them), every sum in double over
    // every lag: the difference function, its cumulative-mean normalisation, the first dip below the threshold taken
    // down to its local minimum (else the global minimum), the parabola through it, and the normalised correlation at
    // the refined lag with the two overlapping energies interpolated linearly.
    private static (double F0, double Aperiodicity, double Correlation) YinInDouble(float[] x, int rate, int minLag, int maxLag, double threshold)
    {
        int n = x.Length;
        var r = new double[maxLag + 2];
        var head = new double[maxLag + 2]; // E[0, n − τ)
        var tail = new double[maxLag + 2]; // E[τ, n)
        var cmnd = new double[maxLag + 2];
        double running = 0;
        for (int tau = 0; tau <= maxLag + 1; tau++)
        {
            for (int j = 0; j + tau < n; j++) { r[tau] += (double)x[j] * x[j + tau]; head[tau] += (double)x[j] * x[j]; tail[tau] += (double)x[j + tau] * x[j + tau]; }
            double d = Math.Max(0, head[tau] + tail[tau] - 2 * r[tau]);
            running += d;
            cmnd[tau] = tau == 0 || running <= 0 ? 1 : d * tau / running;
        }
        int best = -1;
        for (int tau = minLag; tau <= maxLag && best < 0; tau++)
            if (cmnd[tau] < threshold)
            {
                while (tau + 1 <= maxLag && cmnd[tau + 1] < cmnd[tau]) tau++;
                best = tau;
            }
        if (best < 0)
        {
            best = minLag;
            for (int tau = minLag + 1; tau <= maxLag; tau++) if (cmnd[tau] < cmnd[best]) best = tau;
        }
        double refined = best, aperiodicity = cmnd[best], lagR = r[best];
        if (best > minLag && best < maxLag)
        {
            double a = cmnd[best - 1], b = cmnd[best], c = cmnd[best + 1], denominator = a - 2 * b + c;
            if (denominator > 1e-12)
            {
                double delta = 0.5 * (a - c) / denominator;
                refined = best + delta;
                aperiodicity = b - 0.25 * (a - c) * delta;
                lagR = r[best] + 0.5 * delta * (r[best + 1] - r[best - 1]) + 0.5 * delta * delta * (r[best - 1] - 2 * r[best] + r[best + 1]);
            }
        }
        int lo = (int)Math.Floor(refined);
        double frac = refined - lo;
        double headE = head[lo] + frac * (head[lo + 1] - head[lo]), tailE = tail[lo] + frac * (tail[lo + 1] - tail[lo]);
        return (rate / refined, Math.Clamp(aperiodicity, 0, 1), Math.Clamp(lagR / Math.Sqrt(headE * tailE), -1, 1));
    }

    [Theory]
    [InlineData(4000, 166, true)]
    [InlineData(4000, 166, false)]
    [InlineData(8000, 333, false)]
    public void YinMatchesItsDefinitionSummedInDouble(int rate, int length, bool direct)
    {
        // F0, aperiodicity and correlation (the HNR's source) on speech-like audio and on tones with noise, against
        // YinInDouble. Buffers whose CMND has its deciding value within 1e-4 of the threshold, or two dips within
        // 1e-4 of each other, may go either way in float: allowed for at most 2 % of buffers.
        var tracker = new PitchTracker(rate, 60, 500, length, 0.15, direct);
        int minLag = (int)Math.Floor(rate / 500.0), maxLag = (int)Math.Ceiling(rate / 60.0);
        var random = new Random(rate + length);
        var signals = new List<float[]> { Signals.SpeechLike(rate, 3, seed: 9) };
        foreach (double f0 in new[] { 75.0, 140, 230, 410 })
        {
            var tone = Signals.Harmonic(f0, rate, 0.3);
            for (int i = 0; i < tone.Length; i++) tone[i] += (float)(0.05 * (random.NextDouble() - 0.5));
            signals.Add(tone);
        }
        int buffers = 0, different = 0;
        foreach (var signal in signals)
            for (int start = 0; start + length <= signal.Length; start += rate / 100)
            {
                var buffer = signal.AsSpan(start, length).ToArray();
                var got = tracker.Estimate(buffer);
                var expected = YinInDouble(buffer, rate, minLag, maxLag, 0.15);
                buffers++;
                if (Math.Abs(got.F0Hz - expected.F0) > 1e-3 * expected.F0 || Math.Abs(got.Aperiodicity - expected.Aperiodicity) > 1e-3
                    || Math.Abs(got.Correlation - expected.Correlation) > 1e-3)
                    different++;
            }
        Assert.True(buffers > 300, $"{buffers} buffers");
        Assert.True(different <= buffers / 50, $"{different} of {buffers} buffers differ from the definition in double");
    }

    [Fact]
    public void PitchDecimatorPassesTheVoiceBandAndStopsWhatWouldFold()
    {
        // The feature extractor's pitch decimator (16 → 4 kHz, 47 taps, −6 dB at 1.7 kHz): its response measured with
        // tones through Process, and Process equal to the direct formula y[m] = Σ h[k]·x[4m + k].
        var decimator = new Decimator(4, 47, 1700, 16000, 166);
        double Gain(double hz)
        {
            var x = Signals.Tone(hz, 16000, 0.1, amplitude: 1);
            var y = new float[150];
            decimator.Process(x.AsSpan(0, decimator.InputLength(y.Length)), y);
            return 20 * Math.Log10(Signals.Rms(y.AsSpan(20)) / Math.Sqrt(0.5));
        }
        foreach (double hz in new[] { 60.0, 200, 500, 1000 }) Assert.InRange(Gain(hz), -0.3, 0.3);
        Assert.InRange(Gain(1700), -7, -5);
        foreach (double hz in new[] { 2400.0, 3000, 4000, 6000, 7900 }) Assert.True(Gain(hz) < -45, $"{hz} Hz: {Gain(hz):F1} dB");

        var noise = Signals.WhiteNoise(1000, seed: 9);
        var h = decimator.Coefficients.ToArray();
        foreach (int outputs in new[] { 1, 15, 16, 17, 40, 166 })
        {
            var y = new float[outputs];
            decimator.Process(noise.AsSpan(3, decimator.InputLength(outputs)), y);
            for (int m = 0; m < outputs; m++)
            {
                double expected = 0;
                for (int k = 0; k < h.Length; k++) expected += h[k] * noise[3 + 4 * m + k];
                Assert.Equal(expected, y[m], 1e-5);
            }
        }
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

    [Fact]
    public void VectorLogIsWithinTwoFloatSpacingsOfTheDoubleLogarithm()
    {
        // Log-uniform inputs over 1e-12 … 1e12, plus the mantissa's edges (powers of two, either side of √2, next to 1).
        var random = new Random(11);
        var inputs = Enumerable.Range(0, 4000).Select(_ => (float)Math.Exp((random.NextDouble() * 2 - 1) * 27.6)).ToList();
        foreach (float edge in new[] { 1f, 2f, 0.5f, 1024f, 1e-10f, 1.4142135f, 1.4142137f, 0.70710677f, 0.7071068f, 1.0000001f, 0.99999994f, 3.4e38f, 1.2e-38f })
            inputs.Add(edge);
        var x = inputs.ToArray();
        var y = new float[x.Length];
        VectorLog.LogOfAtLeast(x, float.Epsilon * 2, y);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Log(x[i]);
            // Allowed: two float spacings of the result (measured: under 1.2), and an absolute 6e-8 for results near zero.
            double error = Math.Abs(y[i] - exact) / Math.Max(MathF.BitIncrement(MathF.Abs((float)exact)) - MathF.Abs((float)exact), 6e-8);
            worst = Math.Max(worst, error);
            Assert.True(error <= 2, $"ln {x[i]:R}: {y[i]:R} against {exact:R} ({error:F2} float spacings)");
        }
        Assert.True(worst > 0, "the comparison saw the rounding of at least one lane");
    }

    [Fact]
    public void VectorLogFloorsItsInputAndFinishesTheTailOneByOne()
    {
        var x = new float[] { 0, -3, 1e-20f, 2, 8, 0.25f, 1, 5, 7, 1e-3f, 0 }; // 8 by vector, 3 after
        var y = new float[x.Length];
        VectorLog.LogOfAtLeast(x, 1e-10f, y);
        for (int i = 0; i < x.Length; i++) Assert.Equal(Math.Log(Math.Max(x[i], 1e-10f)), y[i], 2e-6);
        Assert.Throws<ArgumentException>(() => VectorLog.LogOfAtLeast(x, 1e-10f, new float[3]));
    }
}

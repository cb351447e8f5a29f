using System.Numerics;
using NWaves.Filters.Fda;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Dsp;
using VoiceEmotion.Pipeline.Features;
using NwButterworthHighPass = NWaves.Filters.Butterworth.HighPassFilter;
using NwButterworthLowPass = NWaves.Filters.Butterworth.LowPassFilter;
using NwDct2 = NWaves.Transforms.Dct2;
using NwPitch = NWaves.Features.Pitch;
using NwRealFft = NWaves.Transforms.RealFft;

namespace VoiceEmotion.Pipeline.Tests.Dsp;

/// <summary>
/// Our DSP blocks checked against NWaves 0.9.6, an independent implementation, on analytic signals and real speech.
/// Where the two libraries define a thing differently the test says so and compares what is comparable; every
/// tolerance carries the reason for its size.
/// </summary>
public sealed class NWavesOracleTests
{
    private const int Rate = FeatureSchema.SampleRate, FftSize = 512, Bins = FftSize / 2 + 1, Bands = FeatureSchema.LogMelCount;
    private const double MelLowHz = 20, MelHighHz = 8000; // FrameFeatureExtractor's band range

    private static readonly MelFilterbank OurMel = new(Bands, FftSize, Rate, MelLowHz, MelHighHz);

    /// <summary>NWaves' matching bank: HTK mel (its Scale.HerzToMel, 1127·ln(1 + f/700), is our 2595·log10(1 + f/700)
    /// up to a constant factor, which cancels when edges are spaced evenly in mel) with triangles linear in Hz between
    /// the edges (Triangular with no mapper), unnormalised peaks of 1 — the HTK/Kaldi-style bank, as ours.</summary>
    private static readonly float[][] NwMel = FilterBanks.Triangular(FftSize, Rate, FilterBanks.MelBands(Bands, Rate, MelLowHz, MelHighHz));

    [Fact]
    public void MelFilterbankWeightsEqualNWavesHtkBank()
    {
        var ours = OurWeights();
        for (int b = 0; b < Bands; b++)
            for (int k = 0; k < Bins; k++)
                // 1e-5: both compute edges in double and store float weights; the mel constants (2595/ln 10 vs 1127)
                // differ in the 5th digit but cancel, leaving rounding of edges near a bin (weights are slopes ≤ 1/bin).
                Assert.True(Math.Abs(ours[b][k] - NwMel[b][k]) < 1e-5, $"band {b}, bin {k}: ours {ours[b][k]}, NWaves {NwMel[b][k]}");
    }

    [Fact]
    public void OurMelScaleIsHtkNotSlaney()
    {
        // NWaves also offers Slaney's bank (linear below 1 kHz, log above, each triangle scaled to unit area, as in
        // librosa's default). Ours is HTK's: the same edges as MelBands, peaks of 1. This pins that choice: a Slaney
        // bank puts the low bands elsewhere and weights them differently, so it is not a drop-in replacement.
        var slaney = FilterBanks.MelBankSlaney(Bands, FftSize, Rate, MelLowHz, MelHighHz);
        var ours = OurWeights();
        int PeakBin(float[] w) => Array.IndexOf(w, w.Max());
        Assert.NotEqual(PeakBin(slaney[5]), PeakBin(ours[5]));
        Assert.True(Math.Abs(slaney[20].Max() - 1) > 0.5, "Slaney triangles are area-normalised, not peak 1");
        Assert.Equal(PeakBin(NwMel[5]), PeakBin(ours[5]));
    }

    [SkippableFact]
    public void LogMelAndMfccOfRealSpeechEqualNWavesChainOnTheSameFrames()
    {
        // Real speech through our FrameFeatureExtractor, and the same frames through NWaves: periodic Hann window (our
        // definition, written out here: NWaves' Hann is the symmetric one), NWaves RealFft power spectrum, NWaves mel
        // bank, the same 1e-10 floor and natural log, NWaves orthonormal DCT-II (DirectNorm), c1..c13.
        var samples = Speech(seconds: 20);
        var frames = FrameFeatureExtractor.ExtractAll(samples, out int count);
        var window = new float[FeatureSchema.FrameLength];
        for (int i = 0; i < window.Length; i++) window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / window.Length));
        var fft = new NwRealFft(FftSize);
        var dct = new NwDct2(Bands);
        var padded = new float[FftSize];
        var power = new float[Bins];
        var mel = new float[Bands];
        var cepstrum = new float[FeatureSchema.MfccCount + 1];
        int compared = 0;
        for (int f = 0; f < count; f += 3)
        {
            var frame = samples.AsSpan(f * FeatureSchema.HopLength, FeatureSchema.FrameLength);
            var row = frames.AsSpan(f * FeatureSchema.FrameFeatureCount, FeatureSchema.FrameFeatureCount);
            if (row[FeatureSchema.LoudnessDb] < -60) continue; // near-silent frames sit on the log floor: nothing to compare
            for (int i = 0; i < window.Length; i++) padded[i] = frame[i] * window[i];
            fft.PowerSpectrum(padded, power, normalize: false);
            FilterBanks.Apply(NwMel, power, mel);
            for (int b = 0; b < Bands; b++) mel[b] = MathF.Log(Math.Max(mel[b], 1e-10f));
            dct.DirectNorm(mel, cepstrum);
            for (int b = 0; b < Bands; b++)
                // 1e-3 in natural log (0.1 %; measured ≤ 2e-4): two float FFTs (different algorithms) differ by ~1e-6 of
                // the frame's peak bin, a larger share of a weak band 60 dB below the peak; no other step differs.
                Assert.True(Math.Abs(row[FeatureSchema.LogMelStart + b] - mel[b]) < 1e-3, $"frame {f}, log-mel {b}: ours {row[FeatureSchema.LogMelStart + b]}, NWaves {mel[b]}");
            for (int c = 1; c <= FeatureSchema.MfccCount; c++)
                // 5e-4 (measured ≤ 7e-5): an orthonormal 40-term cosine sum of log-mel values carrying the error above,
                // which averages down, not up.
                Assert.True(Math.Abs(row[FeatureSchema.MfccStart + c - 1] - cepstrum[c]) < 5e-4, $"frame {f}, mfcc {c}: ours {row[FeatureSchema.MfccStart + c - 1]}, NWaves {cepstrum[c]}");
            compared++;
        }
        Assert.True(compared > 100, $"only {compared} speech frames compared");
    }

    [Fact]
    public void DctEqualsNWavesOrthonormalDctTwo()
    {
        // Our Dct(40, first 1, 13) is rows 1..13 of the orthonormal DCT-II: NWaves' DirectNorm (√(2/N) cos, row 0 ×1/√2).
        var input = new float[Bands];
        var random = new Random(3);
        for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 20 - 15); // log-mel-like values
        var ours = new float[FeatureSchema.MfccCount];
        new Dct(Bands, 1, FeatureSchema.MfccCount).Apply(input, ours);
        var theirs = new float[FeatureSchema.MfccCount + 1];
        new NwDct2(Bands).DirectNorm(input, theirs);
        for (int c = 0; c < ours.Length; c++)
            Assert.Equal(theirs[c + 1], ours[c], 1e-4); // float sums of 40 terms of size ≤ 15: rounding ~1e-5
    }

    [Theory]
    [InlineData(80)]
    [InlineData(110)]
    [InlineData(150)]
    [InlineData(220)]
    [InlineData(310)]
    [InlineData(440)]
    public void PitchOfHarmonicTonesAgreesWithNWavesYin(double f0)
    {
        const int length = 1024; // NWaves' YIN compares lags over half its buffer: 512 samples cover 60 Hz (lag 267)
        var x = Signals.Harmonic(f0, Rate, 0.3);
        var (ours, aperiodicity, _) = new PitchTracker(Rate, 60, 500, length).Estimate(x.AsSpan(1000, length));
        float theirs = NwPitch.FromYin(x, Rate, 1000, 1000 + length, 60, 500, 0.15f);
        // Ours refines the lag by parabolic interpolation: within 0.5 % of the true F0.
        Assert.InRange(ours, f0 * 0.995, f0 * 1.005);
        Assert.True(aperiodicity < 0.1, $"aperiodicity {aperiodicity}");
        // NWaves truncates the refined lag to an integer and divides integers, so it is off by up to one lag step
        // (f0²/rate) plus 1 Hz; within that, the two estimators agree.
        double step = f0 * f0 / Rate + 1;
        Assert.InRange(theirs, f0 - step - 0.5, f0 + step + 0.5);
        Assert.InRange(ours - theirs, -step - 0.5, step + 0.5);
    }

    [SkippableFact]
    public void PitchOfRealSpeechAgreesWithNWavesYin()
    {
        // Real speech, 64 ms buffers every 20 ms. The estimators differ on purpose in two ways: NWaves' difference
        // function sums a fixed window of half the buffer at every lag (YIN's eq. 6), ours sums the whole overlap
        // (so long lags see fewer terms); and NWaves reports an integer lag. So frames are compared where both call
        // the frame periodic, and the bar is on the share that agrees, not on every frame.
        const int length = 1024, hop = 320;
        var x = Speech(seconds: 30);
        var tracker = new PitchTracker(Rate, 60, 500, length);
        int both = 0, agree = 0;
        for (int start = 0; start + length <= x.Length; start += hop)
        {
            var (ours, aperiodicity, _) = tracker.Estimate(x.AsSpan(start, length));
            float theirs = NwPitch.FromYin(x, Rate, start, start + length, 60, 500, 0.15f);
            if (aperiodicity >= 0.15f || theirs <= 0) continue;
            both++;
            double step = ours * ours / Rate + 1; // one lag step: NWaves' integer lag, as above
            // Two steps: one for NWaves' truncated lag, one for the two difference windows placing the dip of a
            // gliding period a little apart (measured: every frame of this data within 1.8 steps, no octave errors).
            if (Math.Abs(ours - theirs) <= 2 * step) agree++;
        }
        Assert.True(both > 100, $"only {both} frames voiced for both");
        // ≥ 95 % rather than all: other speech may hold a voicing edge where one window sees an octave the other does not.
        Assert.True(agree >= 0.95 * both, $"{agree} of {both} voiced frames agree");
    }

    [SkippableFact]
    public void FrameExtractorPitchAt4KilohertzAgreesWithNWavesYinAt16()
    {
        // The extractor's F0 (schema frame-v3: YIN on the look-back decimated to 4 kHz, lag refined by a parabola)
        // against NWaves' YIN on the same 667 samples at the full 16 kHz, on real speech, frame by frame. Compared where
        // the extractor calls the frame voiced and NWaves finds a pitch; the bar is the same two lag steps (at 16 kHz)
        // as the 16 kHz comparison above, so the 4× coarser lag grid must be recovered by the refinement.
        const int look = 667;
        var x = Speech(seconds: 30);
        var frames = FrameFeatureExtractor.ExtractAll(x, out int count);
        int both = 0, agree = 0;
        for (int k = 0; k < count; k++)
        {
            var row = frames.AsSpan(k * FeatureSchema.FrameFeatureCount, FeatureSchema.FrameFeatureCount);
            int start = k * FeatureSchema.HopLength + FeatureSchema.FrameLength - look;
            if (row[FeatureSchema.Voiced] < 0.5f || start < 0) continue;
            float theirs = NwPitch.FromYin(x, Rate, start, start + look, 60, 500, 0.15f);
            if (theirs <= 0) continue;
            float ours = row[FeatureSchema.F0Hz];
            both++;
            double step = ours * ours / Rate + 1;
            if (Math.Abs(ours - theirs) <= 2 * step) agree++;
        }
        Assert.True(both > 300, $"only {both} frames voiced for both");
        // ≥ 95 % (measured 580 of 584, 99.3 %): besides the differences named above, ours sees the frame through a
        // 1.7 kHz low-pass, which can move an octave decision at a voicing edge.
        Assert.True(agree >= 0.95 * both, $"{agree} of {both} voiced frames agree ({100.0 * agree / both:F1} %)");
    }

    [Theory]
    [InlineData(false, 50)]
    [InlineData(false, 300)]
    [InlineData(true, 3400)]
    [InlineData(true, 7000)]
    public void ButterworthSectionsHaveNWavesButterworthResponse(bool lowPass, double cutoffHz)
    {
        // Ours: 4th-order Butterworth as two RBJ biquads (double state). NWaves: the same design as one 4th-order
        // transfer function. Both are the bilinear transform of the analog prototype with the cut-off prewarped, so
        // the magnitude responses are the same function; ours is measured from its impulse response, NWaves' is
        // evaluated from its polynomial coefficients, both in double.
        var impulse = new float[1 << 15];
        impulse[0] = 1;
        foreach (double q in Biquad.Butterworth4Q)
            (lowPass ? Biquad.LowPass(Rate, cutoffHz, q) : Biquad.HighPass(Rate, cutoffHz, q)).Process(impulse);
        var tf = lowPass ? new NwButterworthLowPass(cutoffHz / Rate, 4).Tf : new NwButterworthHighPass(cutoffHz / Rate, 4).Tf;
        foreach (double ratio in new[] { 0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0 })
        {
            double f = cutoffHz * ratio;
            if (f < 20 || f > Rate / 2.0 - 200) continue; // near DC and Nyquist the 4th-order polynomial loses digits in double
            double ourDb = 20 * Math.Log10(Magnitude(impulse, f));
            double theirDb = 20 * Math.Log10(Complex.Abs(Evaluate(tf.Numerator, f) / Evaluate(tf.Denominator, f)));
            if (ratio == 1.0) Assert.InRange(ourDb, -3.02, -3.00); // Butterworth: −3.01 dB at the cut-off, by definition
            // 0.001 dB down to −60 dB (measured ≤ 4e-5 dB): the same design, so only rounding of our float impulse
            // response separates them; deeper in the stop-band that rounding is a growing share of a tiny value, so
            // there we ask only that ours is as deep.
            if (theirDb > -60) Assert.True(Math.Abs(ourDb - theirDb) < 1e-3, $"{f} Hz: ours {ourDb:F5} dB, NWaves {theirDb:F5} dB");
            else Assert.True(ourDb < theirDb + 1, $"{f} Hz: ours {ourDb:F1} dB, NWaves {theirDb:F1} dB");
        }
    }

    private static float[][] OurWeights()
    {
        // MelFilterbank keeps its weights private; applying it to each unit spectrum reads them out exactly.
        var weights = new float[Bands][];
        for (int b = 0; b < Bands; b++) weights[b] = new float[Bins];
        var unit = new float[Bins];
        var energies = new float[Bands];
        for (int k = 0; k < Bins; k++)
        {
            unit[k] = 1;
            OurMel.Apply(unit, energies);
            for (int b = 0; b < Bands; b++) weights[b][k] = energies[b];
            unit[k] = 0;
        }
        return weights;
    }

    private static double Magnitude(float[] impulseResponse, double hz)
    {
        double w = 2 * Math.PI * hz / Rate, re = 0, im = 0;
        for (int n = 0; n < impulseResponse.Length; n++) { re += impulseResponse[n] * Math.Cos(w * n); im -= impulseResponse[n] * Math.Sin(w * n); }
        return Math.Sqrt(re * re + im * im);
    }

    /// <summary>Σ c[k] z^{-k} at z = e^{jω}.</summary>
    private static Complex Evaluate(double[] coefficients, double hz)
    {
        double w = 2 * Math.PI * hz / Rate;
        Complex sum = 0;
        for (int k = 0; k < coefficients.Length; k++) sum += coefficients[k] * Complex.FromPolarCoordinates(1, -w * k);
        return sum;
    }

    /// <summary>The first clips of RAVDESS speech (16 kHz) back to back, up to <paramref name="seconds"/>.</summary>
    private static float[] Speech(double seconds)
    {
        var dataset = DatasetLoader.Load(SharedData.RequireRavdess());
        var audio = new List<float>();
        foreach (var clip in dataset.Clips)
        {
            var read = clip.Load();
            Assert.Equal(Rate, read.SampleRate);
            audio.AddRange(read.Samples);
            if (audio.Count >= seconds * Rate) break;
        }
        return [.. audio.Take((int)(seconds * Rate))];
    }

    [Fact]
    public void FftConvolutionAgreesWithNWavesOnARoomLengthKernel()
    {
        // The size training uses it at: a 3.5 s clip and a 1 s decaying-noise room response (LineSimulator.Reverberate),
        // against NWaves' Operation.Convolve, which did this job before, and against the exact sum in double at every
        // 97th output sample. Both are float FFTs of 131,072 points; measured, ours is within ≈ 1e-6 of the output's
        // RMS of the exact sum and NWaves' within ≈ 1.5e-3 (its transform rounds more), so the bound for ours is tight
        // and the agreement with NWaves is held to NWaves' own error.
        var x = Signals.SpeechLike(Rate, 3.5, seed: 4);
        var rng = new Random(5);
        var h = new float[Rate];
        h[0] = 1;
        for (int n = 40; n < h.Length; n++) h[n] = (float)((rng.NextDouble() - 0.5) * 0.2 * Math.Exp(-6.91 * n / (0.8 * Rate)));
        var ours = FftConvolution.Convolve(x, h, x.Length);
        var theirs = NWaves.Operations.Operation.Convolve(new NWaves.Signals.DiscreteSignal(Rate, x), new NWaves.Signals.DiscreteSignal(Rate, h)).Samples;
        double rms = Signals.Rms(ours), worstOurs = 0, worstApart = 0;
        for (int n = 0; n < x.Length; n++) worstApart = Math.Max(worstApart, Math.Abs(ours[n] - theirs[n]));
        for (int n = 0; n < x.Length; n += 97)
        {
            double exact = 0;
            for (int k = 0; k <= Math.Min(n, h.Length - 1); k++) exact += h[k] * (double)x[n - k];
            worstOurs = Math.Max(worstOurs, Math.Abs(ours[n] - exact));
        }
        Assert.True(rms > 0.05, $"output RMS {rms}");
        Assert.True(worstOurs < 1e-5 * rms, $"ours: largest error {worstOurs} against RMS {rms}");
        Assert.True(worstApart < 5e-3 * rms, $"ours and NWaves differ by up to {worstApart} against RMS {rms}");
    }
}

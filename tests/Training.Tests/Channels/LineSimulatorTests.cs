using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Training.Channels;

namespace VoiceEmotion.Training.Tests.Channels;

public sealed class LineSimulatorTests
{
    private static readonly float[] Voice = SyntheticVoice.Generate(16000, 3.0, seed: 2);
    private static readonly float[] Other = SyntheticVoice.Generate(16000, 2.0, seed: 9);

    private static float[] Babble(Random r) => Other;

    private static double Power(ReadOnlySpan<float> x)
    {
        double e = 0;
        foreach (var v in x) e += v * v;
        return e / Math.Max(1, x.Length);
    }

    /// <summary>The period in the middle of a signal: the lag of the autocorrelation's highest peak in [min, max] samples.</summary>
    private static int Period(float[] x, int minLag, int maxLag)
    {
        int start = x.Length / 2 - 1024, best = 0;
        double bestValue = double.MinValue;
        for (int lag = minLag; lag <= maxLag; lag++)
        {
            double sum = 0;
            for (int i = 0; i < 1024; i++) sum += x[start + i] * x[start + i + lag];
            if (sum > bestValue) (bestValue, best) = (sum, lag);
        }
        return best;
    }

    public static TheoryData<string> Named() => [.. LineCondition.MatrixNames];

    [Theory]
    [MemberData(nameof(Named))]
    public void EveryNamedConditionKeepsLengthAndIsDeterministic(string name)
    {
        var a = LineSimulator.Apply(Voice, LineCondition.Get(name), new Random(5), Babble);
        var b = LineSimulator.Apply(Voice, LineCondition.Get(name), new Random(5), Babble);
        Assert.Equal(Voice.Length, a.Length);
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(float.IsFinite(v) && Math.Abs(v) <= 1f));
        if (name == "clean") Assert.Same(Voice, a);
        else Assert.NotEqual(Voice, a);
    }

    [Theory]
    [InlineData(1.25)]
    [InlineData(0.8)]
    public void StretchChangesTheDurationByTheTempoAndKeepsThePitch(double tempo)
    {
        const int rate = 16000;
        var tone = new float[3 * rate];
        for (int i = 0; i < tone.Length; i++) tone[i] = (float)(0.4 * Math.Sin(2 * Math.PI * 200 * i / rate) + 0.2 * Math.Sin(2 * Math.PI * 400 * i / rate));
        var stretched = LineSimulator.Stretch(tone, tempo);
        Assert.InRange(stretched.Length, tone.Length / tempo * 0.97, tone.Length / tempo * 1.03);
        Assert.Equal(Period(tone, 32, 320), Period(stretched, 32, 320)); // between 2 and 20 ms
        Assert.Same(tone, LineSimulator.Stretch(tone, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LineSimulator.Stretch(tone, 0));
    }

    [Fact]
    public void LevinsonDurbinRecoversAnAutoregressiveProcess()
    {
        // x[n] = 1.3 x[n−1] − 0.6 x[n−2] + w[n]: in e[n] = x[n] + a1 x[n−1] + a2 x[n−2] form, a = (−1.3, 0.6, 0).
        var random = new Random(3);
        var x = new double[200_000];
        for (int n = 2; n < x.Length; n++) x[n] = 1.3 * x[n - 1] - 0.6 * x[n - 2] + (random.NextDouble() - 0.5);
        var r = new double[4];
        for (int lag = 0; lag < 4; lag++)
            for (int n = lag; n < x.Length; n++) r[lag] += x[n] * x[n - lag];
        var a = new double[3];
        LineSimulator.LevinsonDurbin(r, a);
        Assert.Equal(-1.3, a[0], 0.02);
        Assert.Equal(0.6, a[1], 0.02);
        Assert.Equal(0, a[2], 0.02);
    }

    /// <summary>A glottal source (pulses at 16 kHz) through two fixed resonances, 700 and 1,800 Hz (80 Hz bandwidths): a
    /// vowel, peak 0.5.</summary>
    private static float[] Vowel(double[] source)
    {
        const int rate = 16000;
        double[] y1 = new double[source.Length], y2 = new double[source.Length];
        static void Resonate(double[] input, double[] output, double hz)
        {
            double radius = Math.Exp(-Math.PI * 80.0 / rate), c1 = 2 * radius * Math.Cos(2 * Math.PI * hz / rate), c2 = -radius * radius;
            for (int n = 0; n < input.Length; n++) output[n] = input[n] + (n > 0 ? c1 * output[n - 1] : 0) + (n > 1 ? c2 * output[n - 2] : 0);
        }
        Resonate(source, y1, 700);
        Resonate(y1, y2, 1800);
        double peak = y2.Max(Math.Abs);
        return [.. y2.Select(v => (float)(0.5 * v / peak))];
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(0.5)]
    public void ScalePitchRangeWidensOrNarrowsTheIntonationAboutItsMedian(double factor)
    {
        // A vowel (pulses through 700 and 1,800 Hz resonances) whose pitch swings ±4 semitones about 120 Hz over 2 s.
        const int rate = 16000;
        var source = new double[2 * rate];
        double phase = 0;
        for (int n = 0; n < source.Length; n++)
        {
            phase += 120 * Math.Pow(2, 4.0 / 12 * Math.Sin(2 * Math.PI * n / source.Length)) / rate;
            if (phase >= 1) { phase -= 1; source[n] = 1; }
        }
        var vowel = Vowel(source);

        var scaled = LineSimulator.ScalePitchRange(vowel, factor);
        Assert.Equal(vowel.Length, scaled.Length);
        Assert.All(scaled, v => Assert.True(float.IsFinite(v)));
        // The pitch track's spread (5th to 95th percentile, semitones) scales by the factor; its median stays.
        var (spreadBefore, medianBefore) = Track(vowel);
        var (spreadAfter, medianAfter) = Track(scaled);
        string measured = $"spread {spreadBefore:0.00} -> {spreadAfter:0.00} st, median {medianBefore:0.00} -> {medianAfter:0.00} st";
        Assert.True(spreadAfter / spreadBefore > factor * 0.8 && spreadAfter / spreadBefore < factor * 1.2, measured);
        Assert.True(Math.Abs(medianAfter - medianBefore) < 1, measured);
        Assert.Equal(LineSimulator.ActivePower(vowel), LineSimulator.ActivePower(scaled), LineSimulator.ActivePower(vowel) * 1e-3);
        Assert.Same(vowel, LineSimulator.ScalePitchRange(vowel, 1));
        var hiss = new Random(5);
        var unvoiced = Enumerable.Range(0, rate).Select(_ => (float)(0.1 * (hiss.NextDouble() - 0.5))).ToArray();
        Assert.Same(unvoiced, LineSimulator.ScalePitchRange(unvoiced, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => LineSimulator.ScalePitchRange(vowel, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LineSimulator.ScalePitchRange(vowel, double.NaN));

        static (double Spread, double Median) Track(float[] x)
        {
            var tracker = new VoiceEmotion.Pipeline.Dsp.PitchTracker(rate, 60, 500, 640);
            var semitones = new List<double>();
            for (int start = 0; start + 640 <= x.Length; start += 160)
            {
                var (f0, aperiodicity, _) = tracker.Estimate(x.AsSpan(start, 640));
                if (f0 > 0 && aperiodicity < 0.3f) semitones.Add(12 * Math.Log2(f0 / 100));
            }
            semitones.Sort();
            Assert.True(semitones.Count > 100, $"{semitones.Count} voiced hops");
            return (semitones[semitones.Count * 95 / 100] - semitones[semitones.Count * 5 / 100], semitones[semitones.Count / 2]);
        }
    }

    [Theory]
    [InlineData(1.5, 9.0)]
    [InlineData(0.667, 4.0)]
    public void ScaleDynamicsScalesTheLoudnessContourAboutTheActiveLevel(double exponent, double expectedStepDb)
    {
        // A 200 Hz tone in two halves 6 dB apart (amplitudes 0.2 and 0.1): the step between them scales by the exponent.
        const int rate = 16000;
        var x = new float[2 * rate];
        for (int n = 0; n < x.Length; n++) x[n] = (float)((n < rate ? 0.2 : 0.1) * Math.Sin(2 * Math.PI * 200 * n / rate));
        var y = LineSimulator.ScaleDynamics(x, exponent);
        Assert.Equal(x.Length, y.Length);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        double Db(float[] s, int from) => 10 * Math.Log10(s.Skip(from).Take(rate / 4).Average(v => (double)v * v));
        double step = Db(y, rate / 4) - Db(y, rate + rate / 4);
        Assert.InRange(step, expectedStepDb - 0.3, expectedStepDb + 0.3);
        Assert.Equal(LineSimulator.ActivePower(x), LineSimulator.ActivePower(y), LineSimulator.ActivePower(x) * 1e-3);
        // A pause's hum 66 dB under the loud half counts as 40 dB under the active level: flattened by 0.8 it rises by
        // about 0.2 × 40 = 8 dB, not by the 0.2 × 66 ≈ 13 dB its own level would give.
        var withPause = x.Concat(Enumerable.Range(0, rate).Select(n => (float)(1e-4 * Math.Sin(2 * Math.PI * 200 * n / rate)))).ToArray();
        var flattened = LineSimulator.ScaleDynamics(withPause, 0.8);
        double rise = Db(flattened, 2 * rate + rate / 4) - Db(withPause, 2 * rate + rate / 4);
        Assert.InRange(rise, 6.5, 9.5);
        Assert.Same(x, LineSimulator.ScaleDynamics(x, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LineSimulator.ScaleDynamics(x, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LineSimulator.ScaleDynamics(x, double.NaN));
    }

    [Theory]
    [InlineData(4.0)]
    [InlineData(-4.0)]
    public void ShiftPitchKeepingFormantsMovesTheHarmonicsAndNotTheEnvelope(double semitones)
    {
        // A 125 Hz pulse train through two fixed resonances (700 and 1,800 Hz): a steady vowel.
        const int rate = 16000, period = 128;
        var source = new double[2 * rate];
        for (int n = 0; n < source.Length; n += period) source[n] = 1;
        var vowel = Vowel(source);

        var ours = LineSimulator.ShiftPitchKeepingFormants(vowel, semitones);
        var vocoder = LineSimulator.PitchShift(vowel, semitones);
        Assert.Equal(vowel.Length, ours.Length);
        Assert.All(ours, v => Assert.True(float.IsFinite(v)));
        double ratio = Math.Pow(2, semitones / 12);
        Assert.InRange(Period(ours, 60, 200), period / ratio * 0.97, period / ratio * 1.03);
        // The envelope: the power-weighted mean frequency of 0.3–1.2 kHz (the first formant's region) stays where the
        // vowel's is; the phase vocoder carries it up or down with the harmonics.
        double before = FirstFormantCentroid(vowel), after = FirstFormantCentroid(ours), carried = FirstFormantCentroid(vocoder);
        // (Measured: 707 Hz before; ours 669 / 687 Hz at +4 / −4 st, the harmonics sampling the envelope at other
        // frequencies; the vocoder 887 / 587 Hz.)
        Assert.True(after / before is > 0.9 and < 1.1, $"vowel {before:0} Hz, ours {after:0} Hz, vocoder {carried:0} Hz");
        Assert.True(Math.Abs(carried / before - 1) > 2 * Math.Abs(after / before - 1), $"vowel {before:0} Hz, ours {after:0} Hz, vocoder {carried:0} Hz");
        Assert.Equal(LineSimulator.ActivePower(vowel), LineSimulator.ActivePower(ours), LineSimulator.ActivePower(vowel) * 1e-3);
        Assert.Same(vowel, LineSimulator.ShiftPitchKeepingFormants(vowel, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LineSimulator.ShiftPitchKeepingFormants(vowel, double.NaN));

        static double FirstFormantCentroid(float[] x)
        {
            const int length = 8192;
            int start = x.Length / 2 - length / 2;
            double weighted = 0, total = 0;
            for (double hz = 300; hz <= 1200; hz += 5)
            {
                double re = 0, im = 0;
                for (int i = 0; i < length; i++)
                {
                    double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / length), phase = 2 * Math.PI * hz * i / rate;
                    re += w * x[start + i] * Math.Cos(phase);
                    im -= w * x[start + i] * Math.Sin(phase);
                }
                double power = re * re + im * im;
                weighted += hz * power;
                total += power;
            }
            return weighted / total;
        }
    }

    [Fact]
    public void ShuffleSegmentsPlaysTheSamePiecesInAnotherOrderAndKeepsTheEdges()
    {
        // 0.3 s of silence, five 0.35 s tones 50 ms apart (200, 300, … 600 Hz), 0.3 s of silence: the cuts fall in the gaps.
        const int rate = 16000, slot = rate * 2 / 5, lead = rate * 3 / 10;
        int[] tones = [200, 300, 400, 500, 600];
        var x = new float[2 * lead + tones.Length * slot];
        for (int k = 0; k < tones.Length; k++)
            for (int i = 0; i < rate * 35 / 100; i++) x[lead + k * slot + i] = (float)(0.5 * Math.Sin(2 * Math.PI * tones[k] * i / rate));

        var y = LineSimulator.ShuffleSegments(x, new Random(3));
        Assert.Equal(x.Length, y.Length);
        Assert.Equal(y, LineSimulator.ShuffleSegments(x, new Random(3)));
        Assert.All(y.AsSpan(0, lead).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(y.AsSpan(x.Length - lead).ToArray(), v => Assert.Equal(0f, v));
        Assert.InRange(Power(y) / Power(x), 0.97, 1.0);

        // The tone in the middle of each slot (from zero crossings over 50 ms): the five, once each, not in their order.
        int Tone(float[] s, int k)
        {
            int start = lead + k * slot + slot / 2 - 400, crossings = 0;
            for (int i = start + 1; i < start + 800; i++) if ((s[i - 1] < 0) != (s[i] < 0)) crossings++;
            return (int)Math.Round(crossings * rate / 800.0 / 2 / 100) * 100;
        }
        var before = Enumerable.Range(0, tones.Length).Select(k => Tone(x, k)).ToArray();
        var after = Enumerable.Range(0, tones.Length).Select(k => Tone(y, k)).ToArray();
        Assert.Equal(tones, before);
        Assert.Equal(tones, after.Order().ToArray());
        Assert.NotEqual(tones, after);

        var shortClip = new float[rate / 2];
        Assert.Same(shortClip, LineSimulator.ShuffleSegments(shortClip, new Random(1)));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(10.0)]
    [InlineData(20.0)]
    public void NoiseIsMixedAtTheRequestedSnrAgainstTheActiveSpeechLevel(double snrDb)
    {
        var noise = LineSimulator.Noise(Voice.Length, NoiseKind.Pink, new Random(1));
        double speech = LineSimulator.ActivePower(Voice);
        var mixed = LineSimulator.Mix(Voice, noise, speech, snrDb);
        var added = new float[mixed.Length];
        for (int i = 0; i < added.Length; i++) added[i] = mixed[i] - Voice[i];
        double measured = 10 * Math.Log10(speech / Power(added));
        Assert.InRange(measured, snrDb - 0.01, snrDb + 0.01);
    }

    [Fact]
    public void PinkAndBrownNoiseFallWithFrequencyAndWhiteIsFlat()
    {
        double LowToHigh(NoiseKind kind)
        {
            var x = LineSimulator.Noise(32000, kind, new Random(3));
            // Energy below 500 Hz against energy above 4 kHz, through two first-order splits of the signal.
            double low = 0, high = 0, y = 0, a = Math.Exp(-2 * Math.PI * 500 / 16000.0), prev = 0, hp = 0, b = Math.Exp(-2 * Math.PI * 4000 / 16000.0);
            foreach (var v in x)
            {
                y = a * y + (1 - a) * v;
                hp = b * (hp + v - prev);
                prev = v;
                low += y * y;
                high += hp * hp;
            }
            return low / high;
        }
        double white = LowToHigh(NoiseKind.White), pink = LowToHigh(NoiseKind.Pink), brown = LowToHigh(NoiseKind.Brown);
        Assert.True(pink > 3 * white, $"pink {pink:F2} vs white {white:F2}");
        Assert.True(brown > 3 * pink, $"brown {brown:F2} vs pink {pink:F2}");
    }

    [Fact]
    public void LevelChangesGainAndClipsAtFullScale()
    {
        var quiet = LineSimulator.Level(Voice, -20);
        Assert.InRange(10 * Math.Log10(Power(quiet) / Power(Voice)), -20.01, -19.99);
        var loud = LineSimulator.Level(Voice, 30);
        Assert.Contains(loud, v => v == 1f || v == -1f);
    }

    [Fact]
    public void LostPacketsAreSilencedOrRepeatedAtAboutTheRequestedRate()
    {
        var tone = Enumerable.Range(0, 16000 * 20).Select(i => (float)(0.5 * Math.Sin(i * 0.1) + 0.01)).ToArray();
        var lost = LineSimulator.LosePackets(tone, 0.1, repeat: false, new Random(4));
        int packets = tone.Length / 320, silent = 0;
        for (int p = 0; p < packets; p++) if (lost.AsSpan(p * 320, 320).IndexOfAnyExcept(0f) < 0) silent++;
        Assert.InRange(silent / (double)packets, 0.08, 0.12);
        var repeated = LineSimulator.LosePackets(tone, 0.1, repeat: true, new Random(4));
        Assert.DoesNotContain(Enumerable.Range(1, packets - 1), p => repeated.AsSpan(p * 320, 320).IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void ReverberationKeepsTheLevelAndSmearsEnergyIntoTheFollowingSilence()
    {
        var burst = new float[16000];
        for (int i = 0; i < 1600; i++) burst[i] = (float)Math.Sin(i * 0.3) * 0.5f;
        var wet = LineSimulator.Reverberate(burst, 0.6, 0, new Random(6));
        Assert.True(Power(wet.AsSpan(3200, 3200)) > 1e-5, "no reverberant tail after the burst");
        Assert.Equal(0, Power(burst.AsSpan(3200, 3200)));
        Assert.InRange(LineSimulator.ActivePower(wet) / LineSimulator.ActivePower(burst), 0.99, 1.01);
    }

    [Fact]
    public void BackgroundTalkersNeedASourceOfOtherSpeakers()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LineSimulator.Apply(Voice, LineCondition.Get("babble10"), new Random(1)));
        Assert.Contains("babble", e.Message);
    }

    [Fact]
    public void TrainingDrawsCoverEveryPartOfTheLineAndAreReproducible()
    {
        var a = Enumerable.Range(0, 2000).Select(i => LineCondition.Draw(new Random(i))).ToList();
        var b = Enumerable.Range(0, 2000).Select(i => LineCondition.Draw(new Random(i))).ToList();
        Assert.Equal(a, b);
        foreach (LineCodec codec in Enum.GetValues<LineCodec>()) Assert.Contains(a, c => c.Codec == codec);
        foreach (NoiseKind noise in Enum.GetValues<NoiseKind>()) Assert.Contains(a, c => c.Noise == noise);
        Assert.Contains(a, c => c.BabbleTalkers > 0 && c.BabbleSnrDb < 2);
        Assert.Contains(a, c => c.LevelDb < -28);
        Assert.Contains(a, c => c.LevelDb > 5);
        Assert.Contains(a, c => c.ReverbRt60Seconds > 0.7);
        Assert.Contains(a, c => c.PacketLoss > 0.09 && c.RepeatConcealment);
        Assert.Contains(a, c => c.Speed < 0.92);
        Assert.Contains(a, c => c.PitchSemitones > 1.2);
        Assert.Contains(a, c => c.TiltDb < -5);
        Assert.Contains(a, c => c.HighPassHz > 250);
        Assert.Contains(a, c => c.LowPassHz is > 0 and < 3100);
        Assert.Contains(a, c => c.Codec == LineCodec.Opus && c.OpusBitRate == 6000);
        Assert.InRange(a.Count(c => c == LineCondition.Clean) / 2000.0, 0.08, 0.16);
    }

    [Fact]
    public void PhoneOnlyDrawsAreEveryOneATelephoneLineWithTheOtherPartsStillDrawn()
    {
        var a = Enumerable.Range(0, 2000).Select(i => LineCondition.Draw(new Random(i), phoneOnly: true)).ToList();
        Assert.DoesNotContain(a, c => c == LineCondition.Clean);
        Assert.All(a, c =>
        {
            Assert.Contains(c.Codec, LineCondition.PhoneCodecs);
            Assert.InRange(c.LowPassHz, 3000, 3600);
            Assert.InRange(c.HighPassHz, 100, 300);
        });
        foreach (var codec in LineCondition.PhoneCodecs) Assert.InRange(a.Count(c => c.Codec == codec) / 2000.0, 0.28, 0.39);
        Assert.Contains(a, c => c.BabbleTalkers > 0);
        Assert.Contains(a, c => c.PacketLoss > 0);
        Assert.Contains(a, c => c.ReverbRt60Seconds > 0);
        // A phone line leaves next to nothing above the telephone band (white noise in: every band full).
        double High(float[] x) => Power(LineSimulator.Butterworth4(x, 5000, highPass: true)) / Power(x);
        var white = LineSimulator.Noise(16000, NoiseKind.White, new Random(4));
        var y = LineSimulator.Apply(white, a.First(c => c.BabbleTalkers == 0 && c.PacketLoss == 0), new Random(3), Babble);
        Assert.True(High(y) < 0.01 * High(white), $"share above 5 kHz {High(y):E2} through the line against {High(white):E2} in");
        // The general draws are untouched by the option (pinned: the shipped recipe's draws depend on them).
        // Every field of 500 draws at full precision, hashed (a new field changes the text too: re-pin only after checking
        // that the old fields still come out the same).
        var general = string.Join("\n", Enumerable.Range(0, 500).Select(i => LineCondition.Draw(new Random(i)).ToString()));
        Assert.Equal("5F1EAC93405592FF", Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(general)))[..16]);
    }

    [Fact]
    public void TheBabbleShareSetsHowManyLinesCarryBackgroundTalkers()
    {
        List<LineCondition> Draws(double share) => Enumerable.Range(0, 2000).Select(i => LineCondition.Draw(new Random(i), babbleShare: share)).ToList();
        var none = Draws(0);
        var all = Draws(1);
        var more = Draws(0.6);
        // The clean draw comes first and is the same whatever the share.
        Assert.Equal(none.Select(c => c == LineCondition.Clean), all.Select(c => c == LineCondition.Clean));
        Assert.DoesNotContain(none, c => c.BabbleTalkers > 0);
        Assert.All(all.Where(c => c != LineCondition.Clean), c => Assert.InRange(c.BabbleTalkers, 3, 7));
        double Share(List<LineCondition> draws) =>
            draws.Count(c => c.BabbleTalkers > 0) / (double)draws.Count(c => c != LineCondition.Clean);
        Assert.InRange(Share(more), 0.55, 0.65);
        Assert.InRange(Share(Draws(LineCondition.DefaultBabbleShare)), 0.30, 0.40);
        // The default is the shipped draw (pinned by its hash in the phone-only test above).
        Assert.Equal(Enumerable.Range(0, 300).Select(i => LineCondition.Draw(new Random(i))),
            Enumerable.Range(0, 300).Select(i => LineCondition.Draw(new Random(i), babbleShare: 0.35)));
    }

    [Fact]
    public void RandomTrainingDrawsNeverGiveNonFiniteAudio()
    {
        // A 4th-order Butterworth high-pass at 50 Hz built as one float transfer function gave NaN once in ~3,000 draws.
        var voice = Voice.AsSpan(0, 16000).ToArray();
        for (int s = 0; s < 400; s++)
        {
            var c = LineCondition.Draw(new Random(s));
            var y = LineSimulator.Apply(voice, c, new Random(s), Babble);
            Assert.True(y.All(float.IsFinite), $"non-finite output for {c.Describe()}");
        }
        foreach (double cutoff in new[] { 50.0, 55, 7500 })
            Assert.True(LineSimulator.Butterworth4(voice, cutoff, highPass: cutoff < 1000).All(v => float.IsFinite(v) && Math.Abs(v) < 2));
    }

    [Fact]
    public void UnknownConditionNamesSayWhichExist()
    {
        var e = Assert.Throws<ArgumentException>(() => LineCondition.Get("carrier-pigeon"));
        Assert.Contains("babble10", e.Message);
    }
}

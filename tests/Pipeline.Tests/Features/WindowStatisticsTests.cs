using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Tests.Features;

public sealed class WindowStatisticsTests
{
    private static readonly int F = FeatureSchema.FrameFeatureCount;

    [Fact]
    public void SchemaNamesAreUniqueAndCountsAgree()
    {
        Assert.Equal(FeatureSchema.FrameFeatureCount, FeatureSchema.FrameFeatureNames.Distinct().Count());
        Assert.Equal(FeatureSchema.WindowFeatureCount, FeatureSchema.WindowFeatureNames.Distinct().Count());
        Assert.Equal("f0_hz", FeatureSchema.FrameFeatureNames[FeatureSchema.F0Hz]);
        Assert.Equal("rms_db", FeatureSchema.FrameFeatureNames[FeatureSchema.LoudnessDb]);
        Assert.Equal("voicing_prob", FeatureSchema.FrameFeatureNames[FeatureSchema.VoicingProbability]);
        Assert.Equal(FeatureSchema.HnrDb, FeatureSchema.IndexOf("hnr_db"));
        Assert.InRange(FeatureSchema.WindowFeatureCount, 100, 500);
    }

    [Fact]
    public void SelectionPercentilesEqualSortedPercentilesExactly()
    {
        // Compute finds p10/p50/p90/p95 by selection (Kth); the definition is linear interpolation on the sorted values.
        // Same values bit for bit, on lengths 1..300, with ties (rounded values), constant runs and sorted inputs.
        var random = new Random(12);
        var result = new float[4];
        float[] quantiles = [0.10f, 0.50f, 0.90f, 0.95f];
        for (int trial = 0; trial < 400; trial++)
        {
            int n = trial < 300 ? trial + 1 : random.Next(1, 301);
            var values = new float[n];
            for (int i = 0; i < n; i++)
                values[i] = (trial % 4) switch
                {
                    0 => (float)(random.NextDouble() * 80 - 60),
                    1 => MathF.Round((float)(random.NextDouble() * 6)), // many ties
                    2 => i,                                            // already sorted
                    _ => n - i,                                        // reversed
                };
            var sorted = values.OrderBy(v => v).ToArray();
            var before = values.ToArray();
            WindowStatistics.Percentiles(values, quantiles, result, new float[WindowStatistics.ScratchLength(n)]);
            for (int q = 0; q < quantiles.Length; q++)
            {
                float position = quantiles[q] * (n - 1);
                int lo = (int)position, hi = Math.Min(lo + 1, n - 1);
                float expected = sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
                Assert.Equal(expected, result[q]);
            }
            Assert.Equal(before, values); // the input is left as it was
            for (int k = 0; k < n; k += 1 + n / 10) Assert.Equal(sorted[k], WindowStatistics.Kth(values, k, new float[WindowStatistics.ScratchLength(n)]));
        }
    }

    [Fact]
    public void SchemaLayoutIsPinned()
    {
        // The shipped model was trained on this layout: changing it needs a new FeatureSchema.Version.
        Assert.Equal("frame-v3+window-v2+session-v3", FeatureSchema.Version);
        Assert.Equal((81, 225, 451), (FeatureSchema.FrameFeatureCount, FeatureSchema.WindowStatisticsCount, FeatureSchema.WindowFeatureCount));
        int[] scalars =
        [
            FeatureSchema.F0Hz, FeatureSchema.VoicingProbability, FeatureSchema.F0Semitone, FeatureSchema.LoudnessDb,
            FeatureSchema.ZeroCrossingRate, FeatureSchema.SpectralCentroidHz, FeatureSchema.SpectralRolloffHz, FeatureSchema.SpectralFlux,
            FeatureSchema.SpectralFlatness, FeatureSchema.SpectralSlope, FeatureSchema.AlphaRatioDb, FeatureSchema.HnrDb,
            FeatureSchema.JitterLocal, FeatureSchema.ShimmerLocalDb, FeatureSchema.Voiced,
        ];
        Assert.Equal(Enumerable.Range(66, 15), scalars);
        Assert.Equal("logmel_00", FeatureSchema.FrameFeatureNames[FeatureSchema.LogMelStart]);
        Assert.Equal("mfcc_01", FeatureSchema.FrameFeatureNames[FeatureSchema.MfccStart]);
        Assert.Equal("mfcc_d_01", FeatureSchema.FrameFeatureNames[FeatureSchema.MfccDeltaStart]);
        Assert.Equal("spectral_rolloff85_hz", FeatureSchema.FrameFeatureNames[FeatureSchema.SpectralRolloffHz]);
        Assert.Equal("voiced", FeatureSchema.FrameFeatureNames[^1]);
    }

    [Fact]
    public void RunningStatisticsEqualANaiveRecomputationAfterManyPushes()
    {
        var frames = FrameFeatureExtractor.ExtractAll(Signals.SpeechLike(16000, 40, seed: 4), out int n);
        var stats = new WindowStatistics(300);
        var result = new float[FeatureSchema.WindowFeatureCount];
        for (int k = 0; k < n; k++) stats.Push(frames.AsSpan(k * F, F));
        stats.Compute(result);

        var window = frames.AsSpan((n - 300) * F, 300 * F);
        for (int i = 0; i < F; i++)
        {
            double sum = 0, squares = 0;
            for (int t = 0; t < 300; t++) { double v = window[t * F + i]; sum += v; squares += v * v; }
            double mean = sum / 300, std = Math.Sqrt(Math.Max(0, squares / 300 - mean * mean));
            Assert.Equal(mean, result[FeatureSchema.WindowIndexOf(FeatureSchema.FrameFeatureNames[i] + "_mean")], Math.Max(1e-4, Math.Abs(mean) * 1e-4));
            Assert.Equal(std, result[FeatureSchema.WindowIndexOf(FeatureSchema.FrameFeatureNames[i] + "_std")], Math.Max(1e-3, std * 1e-3));
        }
        int voiced = 0;
        float maxDb = float.MinValue;
        for (int t = 0; t < 300; t++)
        {
            if (window[t * F + FeatureSchema.Voiced] > 0.5f) voiced++;
            maxDb = Math.Max(maxDb, window[t * F + FeatureSchema.LoudnessDb]);
        }
        Assert.Equal(voiced / 300f, result[FeatureSchema.WindowIndexOf("voiced_fraction")], 5);
        Assert.Equal(maxDb, result[FeatureSchema.WindowIndexOf("rms_db_max")]);
        Assert.Equal(voiced / 300f, stats.VoicedFraction, 5);
    }

    [Theory]
    [InlineData(1234)] // the ring has wrapped: the window is two runs of it
    [InlineData(300)]  // exactly full, unwrapped
    [InlineData(137)]  // still filling
    public void OrderStatisticsAndSlopesEqualThoseOfTheWindowsFramesInTimeOrder(int pushes)
    {
        // Compute reads the detailed features, pitch and voicing from a column-by-column copy of the ring; every value it
        // derives from them must be what the window's frames themselves give, bit for bit.
        var frames = FrameFeatureExtractor.ExtractAll(Signals.SpeechLike(16000, 40, seed: 9), out int n);
        Assert.True(n >= pushes);
        var stats = new WindowStatistics(300);
        var result = new float[FeatureSchema.WindowFeatureCount];
        int first = 0;
        for (int k = 0; k < pushes; k++)
        {
            var frame = frames.AsSpan(k * F, F);
            if (frame[FeatureSchema.Voiced] > 0.5f && stats.InPause) first = k; // the window restarts here
            stats.Push(frame);
        }
        stats.Compute(result);
        first = Math.Max(first, pushes - 300);
        float[] Gather(int feature, bool voicedOnly) => [.. Enumerable.Range(first, pushes - first)
            .Where(t => !voicedOnly || !(frames[t * F + FeatureSchema.Voiced] < 0.5f)).Select(t => frames[t * F + feature])];
        var times = Enumerable.Range(0, 300).Select(t => (float)t).ToArray();
        float[] quantiles = [0.10f, 0.50f, 0.90f], expected = new float[3];
        foreach (int feature in FeatureSchema.DetailedFeatures)
        {
            var values = Gather(feature, voicedOnly: false);
            WindowStatistics.Percentiles(values, quantiles, expected, new float[WindowStatistics.ScratchLength(values.Length)]);
            string name = FeatureSchema.FrameFeatureNames[feature];
            Assert.Equal(values.Min(), result[FeatureSchema.WindowIndexOf(name + "_min")]);
            Assert.Equal(values.Max(), result[FeatureSchema.WindowIndexOf(name + "_max")]);
            Assert.Equal(expected[0], result[FeatureSchema.WindowIndexOf(name + "_p10")]);
            Assert.Equal(expected[1], result[FeatureSchema.WindowIndexOf(name + "_p50")]);
            Assert.Equal(expected[2], result[FeatureSchema.WindowIndexOf(name + "_p90")]);
            Assert.Equal(WindowStatistics.Slope(values, times, new float[300]), result[FeatureSchema.WindowIndexOf(name + "_slope")]);
        }
        var pitch = Gather(FeatureSchema.F0Semitone, voicedOnly: true);
        Assert.NotEmpty(pitch);
        WindowStatistics.Percentiles(pitch, quantiles, expected, new float[WindowStatistics.ScratchLength(pitch.Length)]);
        var pitchNames = FeatureSchema.VoicedPitchFunctionals;
        int p0 = FeatureSchema.WindowIndexOf(pitchNames[0]);
        Assert.Equal(expected, result.AsSpan(p0 + 2, 3).ToArray());
        Assert.Equal(WindowStatistics.Slope(pitch, times, new float[300]), result[p0 + 6]);
    }

    [Fact]
    public void SlopeOfARampIsItsRatePerSecond()
    {
        var stats = new WindowStatistics(100);
        var frame = new float[F];
        for (int t = 0; t < 250; t++)
        {
            frame[FeatureSchema.LoudnessDb] = -60 + 0.1f * t; // +10 dB per second at 100 frames/s
            stats.Push(frame);
        }
        var result = new float[FeatureSchema.WindowFeatureCount];
        stats.Compute(result);
        Assert.Equal(10f, result[FeatureSchema.WindowIndexOf("rms_db_slope")], 3);
        Assert.Equal(-60 + 0.1f * 150, result[FeatureSchema.WindowIndexOf("rms_db_min")], 3);
    }

    [Fact]
    public void CopyFramesReturnsTheLastFramesOldestFirstAndTilesShortWindows()
    {
        var stats = new WindowStatistics(10);
        var frame = new float[F];
        var destination = new float[6 * F];
        stats.CopyFrames(destination, 6);
        Assert.All(destination, v => Assert.Equal(0f, v));
        for (int t = 1; t <= 4; t++)
        {
            frame[0] = t;
            stats.Push(frame);
        }
        stats.CopyFrames(destination, 6);
        Assert.Equal(new float[] { 1, 2, 3, 4, 1, 2 }, Enumerable.Range(0, 6).Select(r => destination[r * F]).ToArray());
        for (int t = 5; t <= 23; t++)
        {
            frame[0] = t;
            stats.Push(frame);
        }
        stats.CopyFrames(destination, 6);
        Assert.Equal(new float[] { 18, 19, 20, 21, 22, 23 }, Enumerable.Range(0, 6).Select(r => destination[r * F]).ToArray());

        // Every fill level and ring position against the definition: the last min(count, n) frames, oldest first, tiled.
        var pushed = new List<float>();
        var fresh = new WindowStatistics(10);
        var wide = new float[25 * F];
        for (int t = 1; t <= 37; t++)
        {
            frame[0] = t;
            frame[F - 1] = -t;
            fresh.Push(frame);
            pushed.Add(t);
            foreach (int n in new[] { 1, 3, 10, 25 })
            {
                fresh.CopyFrames(wide, n);
                var last = pushed.TakeLast(Math.Min(Math.Min(pushed.Count, 10), n)).ToArray();
                var expected = Enumerable.Range(0, n).Select(r => last[r % last.Length]).ToArray();
                Assert.Equal(expected, Enumerable.Range(0, n).Select(r => wide[r * F]).ToArray());
                Assert.Equal(expected.Select(v => -v).ToArray(), Enumerable.Range(0, n).Select(r => wide[r * F + F - 1]).ToArray());
            }
        }
    }

    [Fact]
    public void AVoicedFrameAfterAPauseStartsANewUtteranceButAShortGapDoesNot()
    {
        var stats = new WindowStatistics(300);
        var voiced = new float[F];
        voiced[FeatureSchema.Voiced] = 1;
        voiced[FeatureSchema.LoudnessDb] = -20;
        var silent = new float[F];
        silent[FeatureSchema.LoudnessDb] = -70;
        void Push(float[] frame, int count) { for (int t = 0; t < count; t++) stats.Push(frame); }

        Push(voiced, 100);
        Push(silent, FeatureSchema.PauseResetFrames - 1);
        Push(voiced, 10);
        Assert.Equal(100 + FeatureSchema.PauseResetFrames - 1 + 10, stats.Count); // a gap inside an utterance: kept
        Assert.Equal(110, stats.VoicedFrames);

        Push(silent, FeatureSchema.PauseResetFrames);
        Assert.Equal(110, stats.VoicedFrames); // the pause itself is still part of the last utterance's window
        Push(voiced, 1);
        Assert.Equal(1, stats.Count);          // the next word starts a new window
        Assert.Equal(1, stats.VoicedFrames);
        Assert.Equal(1f, stats.VoicedFraction);

        var result = new float[FeatureSchema.WindowFeatureCount];
        stats.Compute(result);
        Assert.Equal(-20f, result[FeatureSchema.WindowIndexOf("rms_db_mean")], 4);
    }
}

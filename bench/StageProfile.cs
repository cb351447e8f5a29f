using System.Diagnostics;
using VoiceEmotion.Pipeline.Dsp;
using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Bench;

/// <summary>`profile`: a quick Stopwatch look at each stage (median of 7 batches, after warm-up) — a guide while
/// optimising; BenchmarkDotNet (FeatureBenchmarks) gives the figures to quote.</summary>
internal static class StageProfile
{
    public static int Run()
    {
        var second = SyntheticSpeech.GenerateContinuous(16000);
        var power = new float[257];
        var narrow = new float[166];
        for (int i = 0; i < narrow.Length; i++) narrow[i] = second[4000 + 4 * i];
        var fft = new RealFft(512);
        var pitchDirect = new PitchTracker(4000, 60, 500, 166, 0.15, direct: true);
        var pitchFft = new PitchTracker(4000, 60, 500, 166, 0.15, direct: false);
        var decimator = new Decimator(4, 47, 1700, 16000, 166);
        var decimated = new float[40];
        var mel = new MelFilterbank(40, 512, 16000, 20, 8000);
        var melOut = new float[40];
        var bands = new SpectrumBands(512, 16000);
        var extractor = new FrameFeatureExtractor();
        var sink = new NullFrameSink();
        var stats = new WindowStatistics();
        var frames = FrameFeatureExtractor.ExtractAll(second, out int n);
        int f = FeatureSchema.FrameFeatureCount;
        for (int i = 0; i < 400; i++) stats.Push(frames.AsSpan(i % n * f, f));
        var window = new float[FeatureSchema.WindowFeatureCount];
        int k = 0;

        Time("frame (100 per second of audio)", 100, () => extractor.Push(second, sink));
        Time("fft512 power", 1, () => fft.PowerSpectrum(second.AsSpan(4000, 400), power));
        var cre = new float[272]; var cim = new float[272]; var ore = new float[272]; var oim = new float[272];
        Time("complex fft 256 only", 1, () => ComplexFft256.Transform(cre, cim, ore, oim));
        var dct = new Dct(40, 1, 13); var mfcc = new float[13];
        Time("dct", 1, () => dct.Apply(melOut, mfcc));
        Time("decimator 40 outputs", 1, () => decimator.Process(second.AsSpan(4000, decimator.InputLength(40)), decimated));
        Time("pitch 4k direct", 1, () => pitchDirect.Estimate(narrow));
        var voicedNarrow = new float[166];
        for (int i = 0; i < 166; i++) voicedNarrow[i] = (float)(Math.Sin(2 * Math.PI * 180 * i / 4000) + 0.5 * Math.Sin(2 * Math.PI * 360 * i / 4000));
        Time("pitch 4k direct, 180 Hz tone", 1, () => pitchDirect.Estimate(voicedNarrow));
        var noiseNarrow = new float[166];
        for (int i = 0; i < 166; i++) noiseNarrow[i] = (float)(new Random(i).NextDouble() - 0.5);
        Time("pitch 4k direct, noise", 1, () => pitchDirect.Estimate(noiseNarrow));
        Time("pitch 4k fft", 1, () => pitchFft.Estimate(narrow));
        Time("mel", 1, () => mel.Apply(power, melOut));
        Time("spectral shape", 1, () => bands.Describe(power, out _, out _, out _, out _, out _));
        Time("window push", 1, () => stats.Push(frames.AsSpan(k++ % n * f, f)));
        Time("window compute", 1, () => stats.Compute(window));
        var minute = SyntheticSpeech.GenerateContinuous(16000 * 20);
        var long_ = FrameFeatureExtractor.ExtractAll(minute, out int longCount);
        var live = new WindowStatistics();
        for (int i = 0; i < 1234; i++) live.Push(long_.AsSpan(i * f, f));
        Time("window compute (20 s continuous)", 1, () => live.Compute(window));
        var sel = new float[WindowStatistics.ScratchLength(300)];
        foreach (int feature in new[] { FeatureSchema.LoudnessDb, FeatureSchema.SpectralCentroidHz, FeatureSchema.SpectralFlux, FeatureSchema.SpectralFlatness, FeatureSchema.SpectralSlope, FeatureSchema.AlphaRatioDb, FeatureSchema.HnrDb, FeatureSchema.ZeroCrossingRate, FeatureSchema.F0Semitone })
        {
            var col = new float[300];
            for (int i = 0; i < 300; i++) col[i] = long_[(934 + i) * f + feature];
            var tmp = new float[300];
            var qs = new float[] { 0.1f, 0.5f, 0.9f };
            var outq = new float[3];
            Time($"  percentiles of {FeatureSchema.FrameFeatureNames[feature]}", 1, () => { col.CopyTo(tmp, 0); WindowStatistics.Percentiles(tmp, qs, outq, sel); });
        }
        var column = new float[300];
        var scratch = new float[300];
        var rnd = new Random(1);
        for (int i = 0; i < 300; i++) column[i] = (float)rnd.NextDouble();
        var q = new float[] { 0.1f, 0.5f, 0.9f };
        var res = new float[3];
        Time("percentiles of 300 (x1)", 1, () => { column.CopyTo(scratch, 0); WindowStatistics.Percentiles(scratch, q, res, sel); });
        var constant = new float[300]; Array.Fill(constant, 30f);
        Time("percentiles of 300 equal", 1, () => { constant.CopyTo(scratch, 0); WindowStatistics.Percentiles(scratch, q, res, sel); });
        var two = new float[300]; for (int i = 0; i < 300; i++) two[i] = i % 7 == 0 ? -30f : 30f;
        Time("percentiles of 300 two-valued", 1, () => { two.CopyTo(scratch, 0); WindowStatistics.Percentiles(scratch, q, res, sel); });
        var ramp = new float[300]; for (int i = 0; i < 300; i++) ramp[i] = i < 250 ? 30f : i;
        Time("percentiles of 300 mostly equal then rising", 1, () => { ramp.CopyTo(scratch, 0); WindowStatistics.Percentiles(scratch, q, res, sel); });
        Time("sort of 300 (x1)", 1, () => { column.CopyTo(scratch, 0); Array.Sort(scratch); });
        var times = Enumerable.Range(0, 300).Select(i => (float)i).ToArray();
        Time("slope of 300 (x1)", 1, () => WindowStatistics.Slope(column, times, scratch));
        return 0;
    }

    private static void Time(string name, int perCall, Action action)
    {
        for (int i = 0; i < 20000 / perCall + 10; i++) action();
        var batches = new double[7];
        int calls = Math.Max(1, 20000 / perCall);
        for (int b = 0; b < batches.Length; b++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            batches[b] = Stopwatch.GetElapsedTime(t).TotalMilliseconds * 1e6 / calls / perCall;
        }
        Array.Sort(batches);
        Console.WriteLine($"{name,-34} {batches[3],9:F1} ns");
    }
}

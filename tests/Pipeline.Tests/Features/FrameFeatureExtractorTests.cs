using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Tests.Features;

public sealed class FrameFeatureExtractorTests
{
    private static readonly int F = FeatureSchema.FrameFeatureCount;

    [Theory]
    [InlineData(-20.0)]
    [InlineData(-30.0)]
    public void AQuieterLineKeepsItsVoicedFrames(double levelDb)
    {
        // The same voice at a speech level of about -30 dBFS and 20-30 dB lower (a quiet phone line): voicing follows
        // the stream's own voice level, so nearly the same frames count as voiced.
        var voice = VoiceEmotion.Pipeline.Audio.SyntheticVoice.Generate(16000, 6, seed: 4);
        float scale = 0.05f, quiet = scale * MathF.Pow(10, (float)levelDb / 20);
        int Voiced(float gain)
        {
            var frames = FrameFeatureExtractor.ExtractAll(voice.Select(v => v * gain).ToArray(), out int n);
            int count = 0;
            for (int k = 0; k < n; k++) if (frames[k * FeatureSchema.FrameFeatureCount + FeatureSchema.Voiced] > 0) count++;
            return count;
        }
        int normal = Voiced(scale), low = Voiced(quiet);
        Assert.True(normal > 200, $"{normal} voiced frames");
        Assert.True(low >= 0.9 * normal, $"{low} voiced frames at {levelDb} dB against {normal}");
    }

    [Fact]
    public void NoiseAtAnyLevelIsNotVoiced()
    {
        foreach (double amplitude in new[] { 0.3, 0.003, 0.0003 })
        {
            var frames = FrameFeatureExtractor.ExtractAll(Signals.WhiteNoise(32000, seed: 2, amplitude), out int n);
            int voiced = 0;
            for (int k = 0; k < n; k++) if (frames[k * FeatureSchema.FrameFeatureCount + FeatureSchema.Voiced] > 0) voiced++;
            Assert.True(voiced <= n / 50, $"{voiced} of {n} noise frames voiced at amplitude {amplitude}");
        }
    }

    [Fact]
    public void AnyChunkingGivesTheOneShotFrames()
    {
        var signal = Signals.SpeechLike(16000, 1.3, seed: 11);
        var expected = FrameFeatureExtractor.ExtractAll(signal, out int frames);
        Assert.Equal((signal.Length - 400) / 160 + 1, frames);
        int[] fixedSizes = [1, 7, 160, 399, 401, 4000];
        for (int trial = 0; trial < fixedSizes.Length + 4; trial++)
        {
            var extractor = new FrameFeatureExtractor();
            var sink = new ListSink();
            IEnumerable<Range> chunks = trial < fixedSizes.Length
                ? FixedChunks(signal.Length, fixedSizes[trial])
                : Signals.RandomChunks(signal.Length, trial, maxChunk: 3000);
            foreach (var range in chunks) extractor.Push(signal.AsSpan(range), sink);
            Assert.Equal(frames, sink.Count);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - sink.Values[i]) <= 1e-6, $"value {i} ({FeatureSchema.FrameFeatureNames[i % F]}): {expected[i]} vs {sink.Values[i]}");
        }
    }

    [Fact]
    public void FramesAreEmittedAsSoonAsTheirLastSampleArrives()
    {
        var extractor = new FrameFeatureExtractor();
        var sink = new ListSink();
        extractor.Push(new float[399], sink);
        Assert.Equal(0, sink.Count);
        extractor.Push(new float[1], sink);
        Assert.Equal(1, sink.Count);
        extractor.Push(new float[159], sink);
        Assert.Equal(1, sink.Count);
        extractor.Push(new float[1], sink);
        Assert.Equal(2, sink.Count);
    }

    [Theory]
    [InlineData(110)]
    [InlineData(220)]
    [InlineData(300)]
    public void AHarmonicToneIsVoicedAtItsPitch(double f0)
    {
        var frames = FrameFeatureExtractor.ExtractAll(Signals.Harmonic(f0, 16000, 0.5, amplitude: 0.3), out int n);
        for (int k = 5; k < n; k++)
        {
            var row = frames.AsSpan(k * F, F);
            Assert.InRange(row[FeatureSchema.F0Hz], f0 - 2, f0 + 2);
            Assert.Equal(1f, row[FeatureSchema.Voiced]);
            Assert.True(row[FeatureSchema.VoicingProbability] > 0.9f);
            Assert.True(row[FeatureSchema.HnrDb] > 15f, $"HNR {row[FeatureSchema.HnrDb]}");
        }
    }

    [Fact]
    public void WhiteNoiseIsUnvoicedAndFlat()
    {
        var frames = FrameFeatureExtractor.ExtractAll(Signals.WhiteNoise(8000, seed: 2, amplitude: 0.3), out int n);
        int voiced = 0;
        for (int k = 3; k < n; k++)
        {
            var row = frames.AsSpan(k * F, F);
            if (row[FeatureSchema.Voiced] > 0) voiced++;
            Assert.True(row[FeatureSchema.SpectralFlatness] > 0.4f, $"flatness {row[FeatureSchema.SpectralFlatness]}");
            Assert.InRange(row[FeatureSchema.SpectralCentroidHz], 3000, 5000);
            Assert.InRange(row[FeatureSchema.ZeroCrossingRate], 0.3f, 0.7f);
        }
        Assert.True(voiced <= 1, $"{voiced} noise frames voiced");
    }

    [Fact]
    public void ToneFeaturesSitWhereTheToneIs()
    {
        var frames = FrameFeatureExtractor.ExtractAll(Signals.Tone(1000, 16000, 0.3, amplitude: 0.5), out int n);
        var row = frames.AsSpan((n - 1) * F, F);
        Assert.InRange(row[FeatureSchema.SpectralCentroidHz], 950, 1050);
        Assert.InRange(row[FeatureSchema.LoudnessDb], -10, -8); // 0.5 amplitude sine: RMS 0.354 → −9 dBFS
        Assert.True(row[FeatureSchema.SpectralFlatness] < 0.05f);
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(1.1)]
    public void AFormantWarpMovesTheSpectrumAndKeepsThePitch(double warp)
    {
        // A vowel-like tone: 150 Hz with harmonics; its energy sits low, below the warp's 4.8 kHz boundary, so the
        // spectral centroid moves by the factor while pitch, loudness and zero crossings stay the signal's own.
        var signal = Signals.Harmonic(150, 16000, 0.5, harmonics: 12, amplitude: 0.3);
        var plain = FrameFeatureExtractor.ExtractAll(signal, out int n);
        var warped = FrameFeatureExtractor.ExtractAll(signal, warp, out int m);
        Assert.Equal(n, m);
        for (int k = 5; k < n; k++)
        {
            var p = plain.AsSpan(k * F, F);
            var w = warped.AsSpan(k * F, F);
            Assert.InRange(w[FeatureSchema.SpectralCentroidHz] / p[FeatureSchema.SpectralCentroidHz], warp - 0.02, warp + 0.02);
            Assert.Equal(p[FeatureSchema.F0Hz], w[FeatureSchema.F0Hz]);
            Assert.Equal(p[FeatureSchema.LoudnessDb], w[FeatureSchema.LoudnessDb]);
            Assert.Equal(p[FeatureSchema.ZeroCrossingRate], w[FeatureSchema.ZeroCrossingRate]);
            Assert.NotEqual(p[FeatureSchema.MfccStart + 1], w[FeatureSchema.MfccStart + 1]);
        }
    }

    [Fact]
    public void AWarpOfOneIsThePlainExtractor()
    {
        var signal = Signals.SpeechLike(16000, 1.0, seed: 4);
        Assert.Equal(FrameFeatureExtractor.ExtractAll(signal, out _), FrameFeatureExtractor.ExtractAll(signal, 1.0, out _));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.4)]
    [InlineData(2.5)]
    [InlineData(double.NaN)]
    public void AnImplausibleWarpIsRefused(double warp) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameFeatureExtractor(warp));

    [Fact]
    public void SilenceGivesFloorValues()
    {
        var frames = FrameFeatureExtractor.ExtractAll(new float[4000], out int n);
        for (int k = 0; k < n; k++)
        {
            var row = frames.AsSpan(k * F, F);
            Assert.Equal(-100f, row[FeatureSchema.LoudnessDb]);
            Assert.Equal(0f, row[FeatureSchema.F0Hz]);
            Assert.Equal(0f, row[FeatureSchema.Voiced]);
            Assert.Equal(MathF.Log(1e-10f), row[FeatureSchema.LogMelStart], 3);
        }
    }

    public static TheoryData<string> HostileSignals() => new() { "square", "dc", "negative-dc", "impulses", "denormal", "clipped-noise", "alternating" };

    [Theory]
    [MemberData(nameof(HostileSignals))]
    public void NoInputProducesNaNOrInfinity(string kind)
    {
        var x = new float[6000];
        var random = new Random(3);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = kind switch
            {
                "square" => (i / 40) % 2 == 0 ? 1f : -1f,
                "dc" => 1f,
                "negative-dc" => -1f,
                "impulses" => i % 997 == 0 ? 1f : 0f,
                "denormal" => (float)(1e-42 * (random.NextDouble() - 0.5)),
                "clipped-noise" => Math.Clamp((float)(random.NextDouble() * 6 - 3), -1f, 1f),
                _ => i % 2 == 0 ? 1f : -1f,
            };
        }
        var frames = FrameFeatureExtractor.ExtractAll(x, out _);
        for (int i = 0; i < frames.Length; i++)
            Assert.True(float.IsFinite(frames[i]), $"{kind}: {FeatureSchema.FrameFeatureNames[i % F]} = {frames[i]}");
        var stats = new WindowStatistics();
        var window = new float[FeatureSchema.WindowFeatureCount];
        for (int k = 0; k < frames.Length / F; k++) stats.Push(frames.AsSpan(k * F, F));
        stats.Compute(window);
        Assert.All(window, v => Assert.True(float.IsFinite(v)));
    }

    private static IEnumerable<Range> FixedChunks(int length, int size)
    {
        for (int i = 0; i < length; i += size) yield return new Range(i, Math.Min(length, i + size));
    }

    internal sealed class ListSink : IFrameSink
    {
        public List<float> Values { get; } = [];

        public int Count => Values.Count / F;

        public void OnFrame(ReadOnlySpan<float> frame) => Values.AddRange(frame.ToArray());
    }
}

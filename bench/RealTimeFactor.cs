using System.Diagnostics;
using NWaves.FeatureExtractors;
using NWaves.FeatureExtractors.Options;
using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Bench;

/// <summary>
/// `rtf`: frame features + window statistics (Compute every 0.5 s, as the live service does) over a long synthetic
/// signal on one thread; prints the real-time factor and bytes allocated per frame. With --compare-nwaves the same
/// audio then goes through NWaves' MfccExtractor (13 coefficients, 40 bands, 25 ms / 10 ms, 512-point FFT) and
/// PitchExtractor (60–500 Hz, same framing) in the same process, and the last line is the speed-up over the two.
/// </summary>
internal static class RealTimeFactor
{
    private const int BlockSeconds = 60;

    public static int Run(double seconds, string signal, bool compareNWaves)
    {
        var block = signal switch
        {
            "continuous" => SyntheticSpeech.GenerateContinuous(FeatureSchema.SampleRate * BlockSeconds),
            "mixed" => SyntheticSpeech.Generate(FeatureSchema.SampleRate * BlockSeconds),
            _ => throw new ArgumentException($"unknown --signal '{signal}' (continuous or mixed)"),
        };
        var sink = new WindowSink();
        var extractor = new FrameFeatureExtractor();
        // Warm-up so JIT tiering does not count: a second of work, then a pause for the background tier-1 compiles
        // (dynamic PGO needs the calls counted first); the same for NWaves below.
        WarmUp(() => extractor.Push(block.AsSpan(0, FeatureSchema.SampleRate * 10), sink));
        extractor.Reset();
        sink = new WindowSink();

        NWavesPair? nwaves = null;
        if (compareNWaves)
        {
            nwaves = new NWavesPair(
                new MfccExtractor(new MfccOptions
                {
                    SamplingRate = FeatureSchema.SampleRate, FeatureCount = FeatureSchema.MfccCount, FilterBankSize = FeatureSchema.LogMelCount,
                    FrameDuration = 0.025, HopDuration = 0.010, FftSize = 512,
                }),
                new PitchExtractor(new PitchOptions
                {
                    SamplingRate = FeatureSchema.SampleRate, FrameDuration = 0.025, HopDuration = 0.010, LowFrequency = 60, HighFrequency = 500,
                }));
            WarmUp(() => nwaves.Mfcc.ComputeFrom(block, 0, FeatureSchema.SampleRate * 10));
            WarmUp(() => nwaves.Pitch.ComputeFrom(block, 0, FeatureSchema.SampleRate * 10));
        }

        // The audio goes through in 60 s blocks; with --compare-nwaves each block goes through ours, then NWaves' MFCC,
        // then NWaves' pitch, so a load change on a shared machine falls on both sides alike.
        double elapsed = 0, mfccElapsed = 0, pitchElapsed = 0;
        long allocated = 0;
        int mfccFrames = 0, pitchFrames = 0;
        double done = 0;
        while (done < seconds)
        {
            double take = Math.Min(BlockSeconds, seconds - done);
            int length = (int)(take * FeatureSchema.SampleRate);
            var chunk = block.AsSpan(0, length);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long started = Stopwatch.GetTimestamp(); // not a Stopwatch object: nothing allocated inside the measurement
            for (int i = 0; i < chunk.Length; i += 1600) extractor.Push(chunk.Slice(i, Math.Min(1600, chunk.Length - i)), sink);
            elapsed += Stopwatch.GetElapsedTime(started).TotalSeconds;
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            if (nwaves is not null)
            {
                // NWaves' whole-block ComputeFrom: its fastest use (one list of arrays per block).
                started = Stopwatch.GetTimestamp();
                mfccFrames += nwaves.Mfcc.ComputeFrom(block, 0, length).Count;
                mfccElapsed += Stopwatch.GetElapsedTime(started).TotalSeconds;
                started = Stopwatch.GetTimestamp();
                pitchFrames += nwaves.Pitch.ComputeFrom(block, 0, length).Count;
                pitchElapsed += Stopwatch.GetElapsedTime(started).TotalSeconds;
            }
            done += take;
        }
        Console.WriteLine($"signal: {signal}; audio: {seconds:F0} s ({seconds / 3600:F2} h) of 16 kHz, {extractor.FramesEmitted} frames, {sink.Computes} window computes, {sink.VoicedShare:P0} of frames voiced");
        Console.WriteLine($"elapsed: {elapsed:F3} s on one thread (Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector<float>: {System.Numerics.Vector<float>.Count} lanes)");
        Console.WriteLine($"real-time factor: {seconds / elapsed:F0}x");
        Console.WriteLine($"per frame: {elapsed / extractor.FramesEmitted * 1e6:F2} us, allocated {(double)allocated / extractor.FramesEmitted:F3} bytes");
        double computeSeconds = (double)sink.ComputeTicks / Stopwatch.Frequency;
        Console.WriteLine($"of which WindowStatistics.Compute: {computeSeconds / sink.Computes * 1e6:F1} us per call, {computeSeconds / extractor.FramesEmitted * 1e6:F2} us per frame");
        if (nwaves is null) return 0;

        double theirs = mfccElapsed + pitchElapsed;
        Console.WriteLine($"NWaves MfccExtractor: {mfccElapsed:F3} s, {mfccFrames} frames, real-time factor {seconds / mfccElapsed:F0}x");
        Console.WriteLine($"NWaves PitchExtractor: {pitchElapsed:F3} s, {pitchFrames} frames, real-time factor {seconds / pitchElapsed:F0}x");
        Console.WriteLine($"NWaves MFCC + pitch: {theirs:F3} s, real-time factor {seconds / theirs:F0}x");
        Console.WriteLine($"ours (all frame features + window statistics): {elapsed:F3} s, real-time factor {seconds / elapsed:F0}x");
        Console.WriteLine(FormattableString.Invariant($"speedup over NWaves (MFCC + pitch, same audio, same run): {theirs / elapsed:F1}×"));
        return 0;
    }

    private sealed record NWavesPair(MfccExtractor Mfcc, PitchExtractor Pitch);

    private static void WarmUp(Action work)
    {
        long started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started).TotalSeconds < 1.5) work();
        Thread.Sleep(300);
        work();
    }

    private sealed class WindowSink : IFrameSink
    {
        private readonly WindowStatistics _stats = new();
        private readonly float[] _window = new float[FeatureSchema.WindowFeatureCount];
        private int _frames;
        private long _voiced, _total;

        public int Computes { get; private set; }

        public long ComputeTicks { get; private set; }

        public double VoicedShare => _total == 0 ? 0 : (double)_voiced / _total;

        public void OnFrame(ReadOnlySpan<float> frame)
        {
            _stats.Push(frame);
            _total++;
            if (frame[FeatureSchema.Voiced] > 0.5f) _voiced++;
            if (++_frames % FeatureSchema.UpdateFrames == 0)
            {
                long started = Stopwatch.GetTimestamp();
                _stats.Compute(_window);
                ComputeTicks += Stopwatch.GetTimestamp() - started;
                Computes++;
            }
        }
    }
}

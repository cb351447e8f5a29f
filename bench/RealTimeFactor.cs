using System.Diagnostics;
using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Bench;

/// <summary>
/// `rtf`: frame features + window statistics (Compute every 0.5 s, as the live service does) over a long synthetic
/// signal on one thread; prints the real-time factor and bytes allocated per frame.
/// </summary>
internal static class RealTimeFactor
{
    public static int Run(double seconds)
    {
        const int blockSeconds = 60;
        var block = SyntheticSpeech.Generate(FeatureSchema.SampleRate * blockSeconds);
        var sink = new WindowSink();
        var extractor = new FrameFeatureExtractor();
        // Warm-up so JIT tiering does not count.
        extractor.Push(block.AsSpan(0, FeatureSchema.SampleRate * 10), sink);
        extractor.Reset();

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        double done = 0;
        while (done < seconds)
        {
            double take = Math.Min(blockSeconds, seconds - done);
            var chunk = block.AsSpan(0, (int)(take * FeatureSchema.SampleRate));
            for (int i = 0; i < chunk.Length; i += 1600) extractor.Push(chunk.Slice(i, Math.Min(1600, chunk.Length - i)), sink);
            done += take;
        }
        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        double elapsed = watch.Elapsed.TotalSeconds;
        Console.WriteLine($"audio: {seconds:F0} s ({seconds / 3600:F2} h) of 16 kHz, {extractor.FramesEmitted} frames, {sink.Computes} window computes");
        Console.WriteLine($"elapsed: {elapsed:F2} s on one thread");
        Console.WriteLine($"real-time factor: {seconds / elapsed:F0}x");
        Console.WriteLine($"per frame: {elapsed / extractor.FramesEmitted * 1e6:F2} us, allocated {(double)allocated / extractor.FramesEmitted:F3} bytes");
        return 0;
    }

    private sealed class WindowSink : IFrameSink
    {
        private readonly WindowStatistics _stats = new();
        private readonly float[] _window = new float[FeatureSchema.WindowFeatureCount];
        private int _frames;

        public int Computes { get; private set; }

        public void OnFrame(ReadOnlySpan<float> frame)
        {
            _stats.Push(frame);
            if (++_frames % FeatureSchema.UpdateFrames == 0)
            {
                _stats.Compute(_window);
                Computes++;
            }
        }
    }
}

using VoiceEmotion.Tests;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using Xunit.Abstractions;

namespace VoiceEmotion.Pipeline.Tests.Inference;

/// <summary>The bundled model through the batcher's lent tensors gives what it gives called directly, for every batch size.</summary>
public sealed class BatchTensorTests(ITestOutputHelper output)
{
    private static WindowInput RandomWindow(int frames, Random random)
    {
        var w = new WindowInput(frames) { Speech = true };
        for (int i = 0; i < w.Frames.Length; i++) w.Frames[i] = (float)(random.NextDouble() * 4 - 2);
        for (int i = 0; i < w.Stats.Length; i++) w.Stats[i] = (float)(random.NextDouble() * 4 - 2);
        return w;
    }

    [Fact]
    public void LentTensorsGiveTheSameProbabilitiesAsADirectCallAtEveryBatchSize()
    {
        using var model = EmotionModel.Load(SharedData.BundledModel);
        using var batch = model.CreateBatch(8);
        var random = new Random(4);
        foreach (int n in new[] { 1, 3, 8, 2, 8 })
        {
            var windows = Enumerable.Range(0, n).Select(_ => RandomWindow(model.WindowFrames, random)).ToList();
            for (int i = 0; i < n; i++)
            {
                windows[i].Frames.CopyTo(batch.Frames(i));
                if (model.UsesStats) windows[i].Stats.CopyTo(batch.Stats(i));
            }
            var lent = new float[n * EmotionLabels.Count];
            batch.Run(n, lent);
            var frames = windows.SelectMany(w => w.Frames).ToArray();
            var stats = model.UsesStats ? windows.SelectMany(w => w.Stats).ToArray() : [];
            var direct = new float[n * EmotionLabels.Count];
            model.Predict(frames, stats, n, direct);
            for (int i = 0; i < direct.Length; i++) Assert.Equal(direct[i], lent[i], 6);
            for (int b = 0; b < n; b++) Assert.Equal(1f, lent.AsSpan(b * EmotionLabels.Count, EmotionLabels.Count).ToArray().Sum(), 4);
        }
    }

    [Fact]
    public async Task TheBatcherWritesWindowsIntoTheModelsTensorsAndKeepsEachResultWithItsWindow()
    {
        using var model = EmotionModel.Load(SharedData.BundledModel);
        await using var batcher = new InferenceBatcher(model, maxBatch: 16, workers: 1);
        var random = new Random(11);
        var windows = Enumerable.Range(0, 100).Select(_ => RandomWindow(model.WindowFrames, random)).ToList();
        var results = windows.Select(_ => new float[EmotionLabels.Count]).ToList();
        // All at once, so the worker takes them in batches of varying sizes.
        await Task.WhenAll(windows.Select((w, i) => batcher.ClassifyAsync(w, results[i]).AsTask()));
        Assert.True(batcher.MeanBatchSize > 1.5, $"mean batch {batcher.MeanBatchSize:F2}: the windows were not batched");
        var expected = new float[EmotionLabels.Count];
        for (int i = 0; i < windows.Count; i++)
        {
            model.Predict(windows[i].Frames, model.UsesStats ? windows[i].Stats : [], 1, expected);
            for (int k = 0; k < EmotionLabels.Count; k++) Assert.Equal(expected[k], results[i][k], 5);
        }
    }

    /// <summary>Opt-in measurement: time per window through the batcher's old path (batch arrays → Predict, which copies
    /// into rented arrays per call) and through the lent tensors, at batch 1 and 32, on the bundled model.</summary>
    [Fact]
    [Trait("Category", "Measurement")]
    public void LentTensorsAgainstBatchArrays()
    {
        using var model = EmotionModel.Load(SharedData.BundledModel);
        var random = new Random(1);
        var windows = Enumerable.Range(0, 32).Select(_ => RandomWindow(model.WindowFrames, random)).ToList();
        int frameValues = model.WindowFrames * FeatureSchema.FrameFeatureCount;
        var frames = new float[32 * frameValues];
        var stats = new float[32 * FeatureSchema.WindowFeatureCount];
        var probabilities = new float[32 * EmotionLabels.Count];
        using var batch = model.CreateBatch(32);
        foreach (int n in new[] { 1, 32 })
        {
            int rounds = 4096 / n;
            for (int pass = 0; pass < 2; pass++) // the first pass warms up
            {
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int r = 0; r < rounds; r++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        windows[i].Frames.CopyTo(frames.AsSpan(i * frameValues));
                        windows[i].Stats.CopyTo(stats.AsSpan(i * FeatureSchema.WindowFeatureCount));
                    }
                    model.Predict(frames, stats, n, probabilities);
                }
                double arrays = clock.Elapsed.TotalMicroseconds / (rounds * n);
                long arraysBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / rounds;
                allocated = GC.GetAllocatedBytesForCurrentThread();
                clock.Restart();
                for (int r = 0; r < rounds; r++)
                {
                    for (int i = 0; i < n; i++)
                    {
                        windows[i].Frames.CopyTo(batch.Frames(i));
                        windows[i].Stats.CopyTo(batch.Stats(i));
                    }
                    batch.Run(n, probabilities);
                }
                double lent = clock.Elapsed.TotalMicroseconds / (rounds * n);
                long lentBytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / rounds;
                if (pass == 1)
                    output.WriteLine($"batch {n}: batch arrays + Predict {arrays:F1} µs/window, {arraysBytes} B allocated per call; lent tensors {lent:F1} µs/window, {lentBytes} B per call");
            }
        }
    }
}

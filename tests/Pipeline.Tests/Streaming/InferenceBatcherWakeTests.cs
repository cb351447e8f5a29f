using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Pipeline.Tests.Streaming;

/// <summary>
/// The batcher's worker must wake on the submitter's thread, not through a thread-pool work item: under load the pool's
/// queue is long, and a worker woken by it left every session's window waiting behind that queue (docs/PERFORMANCE.md
/// "Stop 29"). Runs alone: it fills the thread pool on purpose.
/// </summary>
[Collection(nameof(InferenceBatcherWakeTests))]
public sealed class InferenceBatcherWakeTests
{
    /// <summary>Signals each call, so the test can see the model reached without awaiting anything.</summary>
    private sealed class SignallingClassifier : IEmotionClassifier
    {
        public readonly ManualResetEventSlim Called = new();
        public int WindowFrames => 300;
        public bool UsesStats => true;

        public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
        {
            for (int b = 0; b < batchSize; b++) probabilities[b * EmotionLabels.Count + EmotionLabels.Neutral] = 1;
            Called.Set();
        }
    }

    [Fact]
    public async Task AWindowReachesTheModelWhileEveryThreadPoolThreadIsBusy()
    {
        var classifier = new SignallingClassifier();
        await using var batcher = new InferenceBatcher(classifier, maxBatch: 4, workers: 1);
        // Let the worker go idle first: it must be asleep when the window comes.
        await batcher.ProbeAsync();
        classifier.Called.Reset();

        // Not disposed: blockers still queued when the test ends run later and must find it open.
        var gate = new ManualResetEventSlim();
        int blockers = 0;
        try
        {
            // Far more blocking items than the pool has threads: it adds a thread every half second or so, so work
            // queued behind these waits tens of seconds.
            for (int i = 0; i < 64; i++)
                ThreadPool.UnsafeQueueUserWorkItem(_ => { Interlocked.Increment(ref blockers); gate.Wait(); }, null);
            Assert.True(SpinWait.SpinUntil(() => ThreadPool.PendingWorkItemCount > 0, TimeSpan.FromSeconds(10)),
                "the thread pool never had queued work: the test did not fill it");

            var probabilities = new float[EmotionLabels.Count];
            var classified = batcher.ClassifyAsync(new WindowInput(batcher.WindowFrames), probabilities);
            bool reached = classifier.Called.Wait(TimeSpan.FromSeconds(5));
            int busy = Volatile.Read(ref blockers);
            gate.Set();
            Assert.True(reached, $"the window did not reach the model within 5 s while {busy} pool threads were blocked");
            await classified;
            Assert.Equal(1f, probabilities[EmotionLabels.Neutral]);
        }
        finally
        {
            gate.Set();
        }
    }
}

[CollectionDefinition(nameof(InferenceBatcherWakeTests), DisableParallelization = true)]
public sealed class InferenceBatcherWakeCollection;

/// <summary>
/// Every worker stops when the batcher is disposed. With several workers the one that saw the stop first used to reset
/// the shared wake-up event on its way out, and a worker that had not yet woken slept for ever: disposal (a hub's
/// shutdown, with two inference workers) hung. Many rounds, since it is a race.
/// </summary>
public sealed class InferenceBatcherStopTests
{
    private sealed class NeutralClassifier : IEmotionClassifier
    {
        public int WindowFrames => 300;
        public bool UsesStats => true;

        public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
        {
            for (int b = 0; b < batchSize; b++) probabilities[b * EmotionLabels.Count + EmotionLabels.Neutral] = 1;
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public async Task EveryWorkerStopsWhenTheBatcherIsDisposed(int workers)
    {
        var classifier = new NeutralClassifier();
        for (int round = 0; round < 200; round++)
        {
            var batcher = new InferenceBatcher(classifier, maxBatch: 4, workers: workers);
            var probabilities = new float[EmotionLabels.Count];
            await batcher.ClassifyAsync(new WindowInput(batcher.WindowFrames), probabilities);
            Assert.Equal(1f, probabilities[EmotionLabels.Neutral]);
            var disposing = Task.Run(async () => await batcher.DisposeAsync());
            Assert.True(await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(10))) == disposing,
                $"round {round}: a worker of {workers} never stopped");
        }
    }
}

using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.Pipeline.Tests.Streaming;

public sealed class SessionPipelineTests
{
    /// <summary>A real classifier of the seams' contract: deterministic probabilities from the window's loudness and pitch.</summary>
    private sealed class LoudnessClassifier : IEmotionClassifier
    {
        public int Calls;
        public int Windows;
        public int WindowFrames => 300;
        public bool UsesStats => true;

        public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
        {
            Interlocked.Increment(ref Calls);
            Interlocked.Add(ref Windows, batchSize);
            int loud = FeatureSchema.WindowIndexOf("rms_db_mean");
            for (int b = 0; b < batchSize; b++)
            {
                float level = stats[b * FeatureSchema.WindowFeatureCount + loud];
                float angry = 1 / (1 + MathF.Exp(-(level + 30) / 5));
                var row = probabilities.Slice(b * EmotionLabels.Count, EmotionLabels.Count);
                row.Clear();
                row[EmotionLabels.Angry] = angry;
                row[EmotionLabels.Neutral] = 1 - angry;
            }
        }
    }

    private static readonly AudioFormat Pcm16 = new(AudioEncoding.Pcm16Le, 16000, 1);

    private static byte[] Speech(double seconds, int seed) => AudioEncodings.Encode(Signals.SpeechLike(16000, seconds, seed), AudioEncoding.Pcm16Le);

    private static async Task<List<EmotionUpdate>> Run(SessionPipeline session, byte[] audio, int chunkBytes)
    {
        var reading = Task.Run(async () =>
        {
            var list = new List<EmotionUpdate>();
            await foreach (var u in session.Updates.ReadAllAsync()) list.Add(u);
            return list;
        });
        for (int i = 0; i < audio.Length; i += chunkBytes)
            Assert.True(await session.WriteAsync(audio.AsMemory(i, Math.Min(chunkBytes, audio.Length - i))));
        session.Complete();
        await session.Completion;
        return await reading;
    }

    [Fact]
    public async Task UpdatesFallOnTheAudioClockWhateverTheChunking()
    {
        var classifier = new LoudnessClassifier();
        await using var batcher = new InferenceBatcher(classifier);
        var audio = Speech(5.0, seed: 9);
        var runs = new List<List<EmotionUpdate>>();
        foreach (int chunk in new[] { 2, 320, 3200, 32000, 160000 })
        {
            await using var session = new SessionPipeline("s", Pcm16, batcher);
            runs.Add(await Run(session, audio, chunk));
        }
        Assert.Equal(10, runs[0].Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(k => k * 0.5), runs[0].Select(u => u.AudioTime));
        foreach (var run in runs.Skip(1))
            for (int i = 0; i < run.Count; i++)
            {
                Assert.Equal(runs[0][i].Speech, run[i].Speech);
                Assert.Equal(runs[0][i].Probabilities, run[i].Probabilities);
                Assert.Equal(runs[0][i].VoicedFraction, run[i].VoicedFraction);
            }
    }

    [Fact]
    public async Task ChunksProcessedInlineAndChunksQueuedGiveIdenticalUpdates()
    {
        var classifier = new LoudnessClassifier();
        await using var batcher = new InferenceBatcher(classifier);
        var audio = Speech(8.0, seed: 12);
        const int chunk = 3200;

        // Inline: every chunk finds the session idle (the previous one's updates are out before the next is written).
        await using var paced = new SessionPipeline("s", Pcm16, batcher);
        var pacedUpdates = new List<EmotionUpdate>();
        for (int i = 0; i < audio.Length; i += chunk)
        {
            Assert.True(await paced.WriteAsync(audio.AsMemory(i, Math.Min(chunk, audio.Length - i))));
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!paced.IsIdle && DateTime.UtcNow < deadline) await Task.Delay(1);
            while (paced.Updates.TryRead(out var u)) pacedUpdates.Add(u);
        }
        paced.Complete();
        await paced.Completion;
        await foreach (var u in paced.Updates.ReadAllAsync()) pacedUpdates.Add(u);
        int chunks = (audio.Length + chunk - 1) / chunk;
        Assert.Equal((chunks, 0L), paced.ChunkPaths);

        // Queued: nobody reads and the output holds one update, so once it is full every chunk waits in the input channel.
        await using var burst = new SessionPipeline("s", Pcm16, batcher, inputCapacity: 1024, outputCapacity: 1);
        for (int i = 0; i < audio.Length; i += chunk)
            Assert.True(await burst.WriteAsync(audio.AsMemory(i, Math.Min(chunk, audio.Length - i))));
        burst.Complete();
        var (inline, queued) = burst.ChunkPaths;
        Assert.True(queued >= chunks * 3 / 4, $"{inline} inline, {queued} queued: the burst was not queued");
        var burstUpdates = new List<EmotionUpdate>();
        await foreach (var u in burst.Updates.ReadAllAsync()) burstUpdates.Add(u);
        await burst.Completion;

        Assert.Equal(16, pacedUpdates.Count);
        Assert.Contains(pacedUpdates, u => u.Speech);
        Assert.Equal(pacedUpdates.Count, burstUpdates.Count);
        for (int i = 0; i < pacedUpdates.Count; i++)
            Assert.Equal(pacedUpdates[i] with { Probabilities = Array.Empty<float>() }, burstUpdates[i] with { Probabilities = Array.Empty<float>() });
        Assert.Equal(pacedUpdates.SelectMany(u => u.Probabilities), burstUpdates.SelectMany(u => u.Probabilities));
        Assert.Equal(paced.Summarize() with { Share = Array.Empty<float>(), MeanProbabilities = Array.Empty<float>() }, burst.Summarize() with { Share = Array.Empty<float>(), MeanProbabilities = Array.Empty<float>() });
    }

    [Fact]
    public async Task ChunksHandedOverAndQueuedAsTheyAreGiveTheUpdatesOfCopiedOnes()
    {
        var classifier = new LoudnessClassifier();
        await using var batcher = new InferenceBatcher(classifier);
        var audio = Speech(8.0, seed: 12);
        const int chunk = 3200;
        await using var reference = new SessionPipeline("r", Pcm16, batcher);
        var expected = await Run(reference, audio, chunk);

        // The hub's way: each chunk a fresh array the pipeline may keep. Nobody reads and the output holds one update,
        // so most chunks wait in the input channel — as the arrays themselves, not as pooled copies.
        var pool = new ChunkPool();
        await using var burst = new SessionPipeline("s", Pcm16, batcher, inputCapacity: 1024, outputCapacity: 1, chunks: pool);
        for (int i = 0; i < audio.Length; i += chunk)
            Assert.True(await burst.WriteOwnedAsync(audio.AsSpan(i, Math.Min(chunk, audio.Length - i)).ToArray()));
        burst.Complete();
        int chunks = (audio.Length + chunk - 1) / chunk;
        var (inline, queued) = burst.ChunkPaths;
        Assert.True(queued >= chunks * 3 / 4, $"{inline} inline, {queued} queued: the burst was not queued");
        var updates = new List<EmotionUpdate>();
        await foreach (var u in burst.Updates.ReadAllAsync()) updates.Add(u);
        await burst.Completion;

        Assert.Equal(16, updates.Count);
        Assert.Equal(expected.Select(u => (u.Seq, u.AudioTime, u.Speech, u.VoicedFraction)), updates.Select(u => (u.Seq, u.AudioTime, u.Speech, u.VoicedFraction)));
        Assert.Equal(expected.SelectMany(u => u.Probabilities), updates.SelectMany(u => u.Probabilities));
        // Every handed-over array went to the session's pool once analysed; a refused one goes there too.
        Assert.Equal(chunks * (long)chunk, pool.HeldBytes);
        Assert.False(await burst.WriteOwnedAsync(new byte[chunk]), "a completed session takes no more audio");
        Assert.Equal((chunks + 1L) * chunk, pool.HeldBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WritersSwitchingBetweenInlineAndQueuedAtRandomKeepOrderAndValues(bool handOverPooledChunks)
    {
        await using var batcher = new InferenceBatcher(new LoudnessClassifier(), workers: 1);
        var audio = Speech(6.0, seed: 21);
        await using var reference = new SessionPipeline("r", Pcm16, batcher);
        var expected = await Run(reference, audio, 3200);

        // Twenty sessions at once, each pausing at random between chunks: chunks land on idle and on busy sessions alike.
        // Handed over, the chunks are the hub's: arrays from one pool shared by all twenty, which the pipelines return. An
        // array returned before its audio was analysed would be rented and overwritten by another writer: other updates.
        var pool = new ChunkPool();
        var rented = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        var sessions = Enumerable.Range(0, 20).Select(i => new SessionPipeline($"s{i}", Pcm16, batcher, inputCapacity: 4, outputCapacity: 4, chunks: pool)).ToList();
        var runs = await Task.WhenAll(sessions.Select(async (session, k) =>
        {
            var random = new Random(k);
            var reading = Task.Run(async () =>
            {
                var list = new List<EmotionUpdate>();
                await foreach (var u in session.Updates.ReadAllAsync()) list.Add(u);
                return list;
            });
            for (int i = 0; i < audio.Length; i += 3200)
            {
                var chunk = audio.AsMemory(i, Math.Min(3200, audio.Length - i));
                if (handOverPooledChunks)
                {
                    var array = pool.Rent(chunk.Length);
                    lock (rented) rented.Add(array);
                    chunk.CopyTo(array);
                    Assert.True(await session.WriteOwnedAsync(array));
                }
                else Assert.True(await session.WriteAsync(chunk));
                if (random.Next(3) == 0) await Task.Delay(random.Next(4));
            }
            session.Complete();
            await session.Completion;
            return await reading;
        }));
        long inline = sessions.Sum(s => s.ChunkPaths.Inline), queued = sessions.Sum(s => s.ChunkPaths.Queued);
        Assert.True(inline > 0 && queued > 0, $"{inline} inline, {queued} queued: both paths should have been taken");
        foreach (var run in runs)
        {
            Assert.Equal(expected.Select(u => (u.Seq, u.AudioTime, u.Speech)), run.Select(u => (u.Seq, u.AudioTime, u.Speech)));
            Assert.Equal(expected.SelectMany(u => u.Probabilities), run.SelectMany(u => u.Probabilities));
        }
        if (handOverPooledChunks)
        {
            // 1,200 chunks circled through far fewer arrays, and every array is back once every session has ended.
            Assert.InRange(rented.Count, 1, 20 * 60 / 4);
            Assert.Equal(rented.Count * 3200L, pool.HeldBytes);
        }
        else Assert.Equal(0, pool.HeldBytes);
        foreach (var s in sessions) await s.DisposeAsync();
    }

    [Fact]
    public async Task AbortAtAnyMomentEndsTheUpdatesAndFreesTheWriter()
    {
        await using var batcher = new InferenceBatcher(new LoudnessClassifier(), workers: 1);
        var audio = Speech(4.0, seed: 22);
        for (int k = 0; k < 30; k++)
        {
            await using var session = new SessionPipeline("a", Pcm16, batcher, inputCapacity: 2, outputCapacity: 2);
            var writer = Task.Run(async () =>
            {
                for (int i = 0; i < audio.Length; i += 1600)
                    if (!await session.WriteAsync(audio.AsMemory(i, Math.Min(1600, audio.Length - i)))) return;
            });
            await Task.Delay(k % 7);
            session.Abort();
            var updates = Task.Run(async () => { await foreach (var _ in session.Updates.ReadAllAsync()) { } });
            Assert.Same(updates, await Task.WhenAny(updates, Task.Delay(TimeSpan.FromSeconds(10))));
            Assert.Same(writer, await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(10))));
            await session.Completion;
            Assert.False(await session.WriteAsync(audio.AsMemory(0, 1600)));
        }
    }

    [Fact]
    public async Task TheSummaryIsTheArithmeticOfTheSpeechUpdates()
    {
        await using var batcher = new InferenceBatcher(new LoudnessClassifier());
        await using var session = new SessionPipeline("s", Pcm16, batcher);
        var updates = await Run(session, Speech(6.0, seed: 3), 3200);
        var summary = session.Summarize();
        var speech = updates.Where(u => u.Speech).ToList();
        Assert.NotEmpty(speech);
        Assert.Equal(6.0, summary.DurationSeconds, 3);
        Assert.Equal(speech.Count * 0.5, summary.SpeechSeconds, 6);
        Assert.Equal(updates.Count, summary.Updates);
        for (int k = 0; k < EmotionLabels.Count; k++)
        {
            Assert.Equal(speech.Count(u => u.Top == EmotionLabels.All[k]) / (float)speech.Count, summary.Share[k], 5);
            Assert.Equal(speech.Average(u => u.Probabilities[k]), summary.MeanProbabilities[k], 4);
        }
        Assert.Equal(EmotionLabels.All[Array.IndexOf(summary.Share, summary.Share.Max())], summary.Dominant);
        foreach (var u in updates.Where(u => !u.Speech))
        {
            Assert.Null(u.Top);
            Assert.All(u.Probabilities, p => Assert.Equal(0f, p));
        }
        foreach (var u in speech)
        {
            var (a, v) = AffectMapping.From(u.Probabilities);
            Assert.Equal(a, u.Arousal, 6);
            Assert.Equal(v, u.Valence, 6);
        }
    }

    [Fact]
    public async Task SilenceGetsUpdatesThatSayNoSpeechAndNoModelCalls()
    {
        var classifier = new LoudnessClassifier();
        await using var batcher = new InferenceBatcher(classifier);
        await using var session = new SessionPipeline("s", Pcm16, batcher);
        var updates = await Run(session, new byte[16000 * 2 * 3], 3200);
        Assert.Equal(6, updates.Count);
        Assert.All(updates, u => Assert.False(u.Speech));
        Assert.Equal(0, classifier.Windows);
        Assert.Null(session.Summarize().Dominant);
    }

    [Fact]
    public async Task AWriterFasterThanRealTimeIsHeldBackByTheBoundedChannelsAndLosesNothing()
    {
        await using var batcher = new InferenceBatcher(new LoudnessClassifier());
        await using var session = new SessionPipeline("fast", Pcm16, batcher, inputCapacity: 4, outputCapacity: 4);
        var audio = Speech(60.0, seed: 5);
        // Nobody reads updates yet: the writer must stall once input and output channels are full.
        var writer = Task.Run(async () =>
        {
            for (int i = 0; i < audio.Length; i += 3200) await session.WriteAsync(audio.AsMemory(i, Math.Min(3200, audio.Length - i)));
            session.Complete();
        });
        await Task.Delay(1500);
        Assert.False(writer.IsCompleted, "an unread session must push back on its writer");
        Assert.True(session.AudioSeconds < 10, $"{session.AudioSeconds:F1} s analysed while no one reads: the buffers are not bounded");
        var updates = new List<EmotionUpdate>();
        await foreach (var u in session.Updates.ReadAllAsync()) updates.Add(u);
        await writer;
        Assert.Equal(120, updates.Count);
        Assert.Equal(Enumerable.Range(0, 120), updates.Select(u => u.Seq));
    }

    [Fact]
    public async Task ASessionWhoseUpdatesAreNotReadDoesNotStallAnother()
    {
        await using var batcher = new InferenceBatcher(new LoudnessClassifier());
        await using var stuck = new SessionPipeline("stuck", Pcm16, batcher, inputCapacity: 2, outputCapacity: 2);
        var audio = Speech(30.0, seed: 6);
        var stuckWriter = Task.Run(async () =>
        {
            for (int i = 0; i < audio.Length; i += 3200) await stuck.WriteAsync(audio.AsMemory(i, 3200));
        });
        await Task.Delay(300);
        await using var healthy = new SessionPipeline("healthy", Pcm16, batcher);
        var run = Run(healthy, Speech(5.0, seed: 7), 3200);
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.Equal(10, (await run).Count);
        Assert.False(stuckWriter.IsCompleted);
        stuck.Abort();
        Assert.Same(stuckWriter, await Task.WhenAny(stuckWriter, Task.Delay(TimeSpan.FromSeconds(10)))); // aborting frees its writer
    }

    [Fact]
    public async Task BadAudioEndsTheSessionWithTheReason()
    {
        await using var batcher = new InferenceBatcher(new LoudnessClassifier());
        await using var session = new SessionPipeline("bad", new AudioFormat(AudioEncoding.Float32Le, 16000, 1), batcher);
        var good = AudioEncodings.Encode(Signals.SpeechLike(16000, 1.0, 1), AudioEncoding.Float32Le);
        Assert.True(await session.WriteAsync(good));
        Assert.True(await session.WriteAsync(AudioEncodings.Encode([float.NaN], AudioEncoding.Float32Le)));
        var error = await Assert.ThrowsAsync<AudioFormatException>(() => session.Completion);
        Assert.Contains("NaN", error.Message);
        await Assert.ThrowsAsync<AudioFormatException>(async () => { await foreach (var _ in session.Updates.ReadAllAsync()) { } });
        Assert.False(await session.WriteAsync(good), "a failed session refuses more audio instead of blocking its writer");
    }

    [Fact]
    public async Task InferenceIsBatchedAcrossSessions()
    {
        var classifier = new LoudnessClassifier();
        await using var batcher = new InferenceBatcher(classifier, maxBatch: 32, workers: 1);
        var sessions = Enumerable.Range(0, 40).Select(i => new SessionPipeline($"s{i}", Pcm16, batcher)).ToList();
        var audio = AudioEncodings.Encode(Signals.Harmonic(150, 16000, 4.0), AudioEncoding.Pcm16Le);
        await Task.WhenAll(sessions.Select(s => Run(s, audio, 32000)));
        foreach (var s in sessions) await s.DisposeAsync();
        Assert.True(classifier.Windows >= 40 * 7, $"{classifier.Windows} windows classified");
        Assert.True(batcher.MeanBatchSize > 1.5, $"mean batch {batcher.MeanBatchSize:F2} over {classifier.Calls} calls");
    }
}

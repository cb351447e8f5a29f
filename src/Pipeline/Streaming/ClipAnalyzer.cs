using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// A whole recording through <see cref="StreamAnalyzer"/> at full speed: the same updates a live stream of it would
/// get. Used by the batch API and by `evaluate --streaming`. The recording is read, resampled and windowed piece by
/// piece, and at most <see cref="MaxWindowsInFlight"/> windows wait for the model at a time, so memory does not grow
/// with the recording's length. The calls block: run them on a thread of their own, not the thread pool's.
/// </summary>
public static class ClipAnalyzer
{
    /// <summary>Windows submitted to the batcher and not yet completed, at most (≈ 97 KB each with a 3 s window).</summary>
    public const int MaxWindowsInFlight = 64;

    private const int ClipPieceSamples = 64 * 1024;

    private delegate int SampleSource(Span<float> buffer);

    /// <summary>Decodes a WAV stream as it is read and analyses it through the shared batcher; each update goes to <paramref name="onUpdate"/> in order.</summary>
    public static SessionSummary AnalyzeWav(Stream wav, InferenceBatcher batcher, Action<EmotionUpdate> onUpdate, string sessionId = "clip",
        long maxDataBytes = WavReader.DefaultMaxDataBytes, ClipProgress? progress = null, CancellationToken cancellationToken = default)
    {
        using var reader = WavReader.Open(wav, maxDataBytes);
        progress?.Started(reader.Info.SampleRate, reader.DeclaredSeconds);
        return Run(reader.Info.SampleRate, reader.Read, reader.MaxSamplesPerRead, batcher, onUpdate, sessionId, null, progress, cancellationToken);
    }

    /// <summary>A recording in memory through the shared batcher.</summary>
    public static (IReadOnlyList<EmotionUpdate> Updates, SessionSummary Summary) Analyze(
        AudioClip clip, InferenceBatcher batcher, string sessionId = "clip", SessionOptions? options = null)
    {
        var updates = new List<EmotionUpdate>();
        int offset = 0;
        var summary = Run(clip.SampleRate, buffer =>
        {
            int n = Math.Min(buffer.Length, clip.Samples.Length - offset);
            clip.Samples.AsSpan(offset, n).CopyTo(buffer);
            offset += n;
            return n;
        }, ClipPieceSamples, batcher, updates.Add, sessionId, options, null, CancellationToken.None);
        return (updates, summary);
    }

    /// <summary>A recording in memory through a classifier of its own (evaluation, tests): a one-worker batcher, so calls keep their order.</summary>
    public static (IReadOnlyList<EmotionUpdate> Updates, SessionSummary Summary) Analyze(
        AudioClip clip, IEmotionClassifier classifier, string sessionId = "clip", SessionOptions? options = null)
    {
        var batcher = new InferenceBatcher(classifier, workers: 1, queueCapacity: MaxWindowsInFlight);
        try
        {
            return Analyze(clip, batcher, sessionId, options);
        }
        finally
        {
            batcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static SessionSummary Run(int sampleRate, SampleSource read, int pieceSamples, InferenceBatcher batcher, Action<EmotionUpdate> onUpdate,
        string sessionId, SessionOptions? options, ClipProgress? progress, CancellationToken cancellationToken)
    {
        options ??= SessionOptions.Default;
        if (batcher.WindowFrames > 0) options = options with { WindowFrames = batcher.WindowFrames };
        var analyzer = new StreamAnalyzer(sessionId, null, options);
        var resampler = new Resampler(sampleRate, Resampler.TargetRate);
        var piece = new float[pieceSamples];
        var piece16k = new float[resampler.MaxOutputSamples(pieceSamples)];
        var ready = new List<WindowInput>();
        var inFlight = new Queue<(WindowInput Window, float[] Probabilities, Task Classified)>();
        var spare = new Stack<float[]>();

        int n;
        while ((n = read(piece)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int produced = resampler.Process(piece.AsSpan(0, n), piece16k);
            analyzer.PushSamples(piece16k.AsSpan(0, produced), ready);
            Submit();
        }
        analyzer.Finish(ready);
        Submit();
        while (inFlight.Count > 0) CompleteOldest();
        progress?.Analysed(analyzer.AudioSeconds);
        return analyzer.Summarize();

        void Submit()
        {
            foreach (var window in ready)
            {
                var probabilities = spare.Count > 0 ? spare.Pop() : new float[EmotionLabels.Count];
                var classified = window.Speech ? batcher.ClassifyAsync(window, probabilities, cancellationToken).AsTask() : Task.CompletedTask;
                inFlight.Enqueue((window, probabilities, classified));
                while (inFlight.Count > MaxWindowsInFlight) CompleteOldest();
            }
            ready.Clear();
        }

        // Sessions complete their windows in order: wait for the oldest, whatever finished after it.
        void CompleteOldest()
        {
            var (window, probabilities, classified) = inFlight.Dequeue();
            classified.GetAwaiter().GetResult();
            var update = analyzer.Complete(window, probabilities);
            spare.Push(probabilities);
            onUpdate(update);
            progress?.Analysed(update.AudioTime);
        }
    }
}

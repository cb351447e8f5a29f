using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// A whole recording through the streaming session code at full speed: the same updates a live stream of it would
/// get. Used by the batch API and by `evaluate --streaming`. Windows are classified in batches.
/// </summary>
public static class ClipAnalyzer
{
    private const int Batch = 32;

    public static (IReadOnlyList<EmotionUpdate> Updates, SessionSummary Summary) Analyze(
        AudioClip clip, IEmotionClassifier classifier, string sessionId = "clip", SessionOptions? options = null)
    {
        var session = new EmotionSession(sessionId, null, options);
        var windows = new List<WindowInput>();
        session.PushSamples(clip.To16k().Samples, windows);
        session.Finish(windows);
        var updates = new List<EmotionUpdate>(windows.Count);
        int frameValues = session.Options.WindowFrames * FeatureSchema.FrameFeatureCount;
        var frames = new float[Batch * frameValues];
        var stats = new float[Batch * FeatureSchema.WindowFeatureCount];
        var probabilities = new float[Batch * EmotionLabels.Count];
        for (int start = 0; start < windows.Count; start += Batch)
        {
            var block = windows.GetRange(start, Math.Min(Batch, windows.Count - start));
            var speech = block.Where(w => w.Speech).ToList();
            for (int i = 0; i < speech.Count; i++)
            {
                if (classifier.WindowFrames > 0) speech[i].Frames.AsSpan(0, classifier.WindowFrames * FeatureSchema.FrameFeatureCount).CopyTo(frames.AsSpan(i * classifier.WindowFrames * FeatureSchema.FrameFeatureCount));
                speech[i].Stats.CopyTo(stats.AsSpan(i * FeatureSchema.WindowFeatureCount));
            }
            if (speech.Count > 0) classifier.Predict(frames, stats, speech.Count, probabilities);
            int s = 0;
            foreach (var w in block)
                updates.Add(session.Complete(w, w.Speech ? probabilities.AsSpan(s++ * EmotionLabels.Count, EmotionLabels.Count) : []));
        }
        return (updates, session.Summarize());
    }
}

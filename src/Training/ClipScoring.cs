using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>How a whole clip gets one label from its windows.</summary>
public enum ClipMode
{
    /// <summary>Full 3 s windows every 0.5 s over the clip (the whole clip if shorter), averaged over speech windows.</summary>
    Clip,
    /// <summary>Every live update from the start (early windows shorter), averaged over speech updates: what the live service gives.</summary>
    Streaming,
}

public static class ClipScoring
{
    /// <summary>Predicted product label per cached clip.</summary>
    public static int[] Predict(IReadOnlyList<ClipFeatures> clips, IEmotionClassifier classifier, ClipMode mode, float minVoicedFraction, int updateFrames)
    {
        var predictions = new int[clips.Count];
        Parallel.For(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var clip = clips[i];
            if (clip.Updates == 0)
            {
                predictions[i] = EmotionLabels.Neutral; // under 0.5 s: no update, nothing heard
                return;
            }
            var chosen = Windows(clip, mode, minVoicedFraction, updateFrames);
            int f = FeatureSchema.FrameFeatureCount, s = FeatureSchema.WindowFeatureCount;
            int t = classifier.WindowFrames;
            var frames = new float[Math.Max(1, chosen.Count * t * f)];
            var stats = new float[chosen.Count * s];
            for (int j = 0; j < chosen.Count; j++)
            {
                if (t > 0) clip.CopyWindow(chosen[j], updateFrames, frames.AsSpan(j * t * f, t * f));
                clip.UpdateStats(chosen[j]).CopyTo(stats.AsSpan(j * s, s));
            }
            var probabilities = new float[chosen.Count * EmotionLabels.Count];
            classifier.Predict(frames, stats, chosen.Count, probabilities);
            predictions[i] = Decide(probabilities, chosen.Count);
        });
        return predictions;
    }

    /// <summary>Argmax of the mean probability over the rows.</summary>
    public static int Decide(ReadOnlySpan<float> probabilities, int rows)
    {
        var mean = new double[EmotionLabels.Count];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < mean.Length; k++) mean[k] += probabilities[r * EmotionLabels.Count + k];
        int best = 0;
        for (int k = 1; k < mean.Length; k++) if (mean[k] > mean[best]) best = k;
        return best;
    }

    private static List<int> Windows(ClipFeatures clip, ClipMode mode, float minVoicedFraction, int updateFrames)
    {
        var candidates = Enumerable.Range(0, clip.Updates)
            .Where(u => mode == ClipMode.Streaming || clip.EndFrame(u, updateFrames) >= Math.Min(clip.WindowFrames, clip.Updates * updateFrames))
            .ToList();
        if (candidates.Count == 0) candidates = [Math.Max(0, clip.Updates - 1)];
        var speech = candidates.Where(u => u < clip.Updates && clip.VoicedFraction[u] >= minVoicedFraction).ToList();
        return speech.Count > 0 ? speech : candidates.Where(u => u < clip.Updates).DefaultIfEmpty(0).ToList();
    }
}

using System.Numerics.Tensors;
using System.Text.Json.Serialization;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>Speech updates whose window held at most <paramref name="UpToSeconds"/> of the utterance (and more than the
/// previous bucket's bound): how many, their share of all speech updates, and how often their top label was the clip's.</summary>
public sealed record UpdateBucket(
    [property: JsonPropertyName("upToSeconds")] double UpToSeconds,
    [property: JsonPropertyName("updates")] int Updates,
    [property: JsonPropertyName("share")] double Share,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macroF1")] double MacroF1);

/// <summary>Every speech update of a streaming evaluation judged on its own — its top label against its clip's — overall
/// and by <see cref="UpdateBucket"/>.</summary>
public sealed record UpdateQualityResult(
    [property: JsonPropertyName("updates")] int Updates,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macroF1")] double MacroF1,
    [property: JsonPropertyName("byWindowSeconds")] IReadOnlyList<UpdateBucket> ByWindowSeconds);

/// <summary>
/// What a user watching the live updates sees: the streaming figure scores a clip by the mean of its speech updates,
/// but each half-second update is shown on its own, and how good it is depends on how much of the current utterance its
/// window has heard (the window restarts after a pause; <see cref="Pipeline.Streaming.EmotionUpdate.WindowSeconds"/>).
/// Buckets of half a second up to the 3 s window; a bucket with no update is left out.
/// </summary>
public static class UpdateQuality
{
    public static readonly double[] BucketEdges = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0];

    /// <summary>Null when the scores carry no window lengths (every mode but streaming) or no speech update.</summary>
    public static UpdateQualityResult? Measure(LabelMap labels, ClipScores scores)
    {
        int n = scores.Windows.Count;
        if (n == 0 || scores.WindowSeconds.Length != n) return null;
        var truth = new int[n];
        var top = new int[n];
        var bucket = new int[n];
        for (int i = 0; i < n; i++)
        {
            truth[i] = scores.Windows[i].Truth;
            top[i] = TensorPrimitives.IndexOfMax<float>(labels.ToProduct(scores.Windows[i].Raw));
            int b = 0;
            while (b < BucketEdges.Length - 1 && scores.WindowSeconds[i] > BucketEdges[b] + 1e-6) b++;
            bucket[i] = b;
        }
        var buckets = new List<UpdateBucket>();
        for (int b = 0; b < BucketEdges.Length; b++)
        {
            var members = Enumerable.Range(0, n).Where(i => bucket[i] == b).ToList();
            if (members.Count == 0) continue;
            var m = Metrics.Compute(EmotionLabels.All, [.. members.Select(i => truth[i])], [.. members.Select(i => top[i])]);
            buckets.Add(new UpdateBucket(BucketEdges[b], members.Count, (double)members.Count / n, m.Accuracy, m.MacroF1));
        }
        var all = Metrics.Compute(EmotionLabels.All, truth, top);
        return new UpdateQualityResult(n, all.Accuracy, all.MacroF1, buckets);
    }

    /// <summary>The bucket's lower bound: the edge before <paramref name="upToSeconds"/> (0 for the first).</summary>
    public static double LowerEdge(double upToSeconds)
    {
        int edge = Array.IndexOf(BucketEdges, upToSeconds);
        return edge > 0 ? BucketEdges[edge - 1] : 0;
    }

    /// <summary>A Markdown table of the buckets.</summary>
    public static string Table(UpdateQualityResult result)
    {
        var text = new System.Text.StringBuilder("| window held | speech updates | share | accuracy | macro-F1 |\n|---|---:|---:|---:|---:|\n");
        foreach (var b in result.ByWindowSeconds)
        {
            text.Append(System.FormattableString.Invariant($"| {LowerEdge(b.UpToSeconds):0.0}–{b.UpToSeconds:0.0} s | {b.Updates} | {100 * b.Share:0.0} % | {b.Accuracy:F3} | {b.MacroF1:F3} |\n"));
        }
        text.Append(System.FormattableString.Invariant($"| every speech update | {result.Updates} | 100 % | {result.Accuracy:F3} | {result.MacroF1:F3} |\n"));
        return text.ToString();
    }
}

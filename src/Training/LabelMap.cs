using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>A model's own labels (8 with RAVDESS calm) onto the product's seven, optionally after a temperature: how
/// raw outputs become what users see, for scoring and calibration alike.</summary>
public sealed class LabelMap(IReadOnlyList<string> labels)
{
    private readonly int[] _map = labels.Select(EmotionLabels.IndexOf).ToArray();

    /// <summary>Product-label probabilities of a raw row after temperature <paramref name="t"/> (1: as the model gave them).</summary>
    public float[] ToProduct(ReadOnlySpan<float> raw, float t = 1f)
    {
        var p = new float[EmotionLabels.Count];
        if (t == 1f)
        {
            for (int k = 0; k < raw.Length; k++) p[_map[k]] += raw[k];
            return p;
        }
        double max = double.MinValue, sum = 0;
        var scaled = new double[raw.Length];
        for (int k = 0; k < raw.Length; k++) { scaled[k] = Math.Log(Math.Max(raw[k], 1e-12)) / t; max = Math.Max(max, scaled[k]); }
        for (int k = 0; k < raw.Length; k++) { scaled[k] = Math.Exp(scaled[k] - max); sum += scaled[k]; }
        for (int k = 0; k < raw.Length; k++) p[_map[k]] += (float)(scaled[k] / sum);
        return p;
    }
}

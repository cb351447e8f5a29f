using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training.Nn;

/// <summary>
/// The ensemble's output re-weighted for equal product classes (post-hoc logit adjustment: Menon et al., ICLR 2021,
/// "Long-tail learning via logit adjustment"). A net learns its training windows' class frequencies π along with the
/// emotions: p(c | x) ∝ p(x | c) · π_c. The product asks for seven classes heard alike, so each training class's
/// probability is multiplied by 1 / (C · π_P), π_P being the training share of its product class P and C the number of
/// product classes, and the row renormalised. The weights matter most where training classes merge: RAVDESS calm and
/// neutral (one product class, "neutral") held ≈ 1.4 times the windows of any other product class, and summing their
/// probabilities at the output gave neutral that much more of every uncertain window (sad heard as neutral was the
/// largest confusion of the model of stop 47). The weights come from the training windows alone (counted over every
/// epoch's draw); nothing is fitted on held-out speech.
/// </summary>
public static class ClassBalance
{
    /// <summary>Weights per training label from the number of training windows of each (<paramref name="counts"/>, in
    /// <paramref name="labels"/> order). A product class without a window keeps weight 1.</summary>
    public static float[] Weights(IReadOnlyList<string> labels, IReadOnlyList<long> counts)
    {
        if (labels.Count != counts.Count) throw new ArgumentException("one count per label", nameof(counts));
        var product = labels.Select(EmotionLabels.IndexOf).ToArray();
        if (product.Any(p => p < 0)) throw new ArgumentException($"labels must map to product labels: {string.Join(", ", labels)}", nameof(labels));
        double total = counts.Sum();
        var perProduct = new double[EmotionLabels.Count];
        for (int k = 0; k < labels.Count; k++) perProduct[product[k]] += counts[k];
        int present = product.Distinct().Count();
        return [.. product.Select(p => total > 0 && perProduct[p] > 0 ? (float)(total / (present * perProduct[p])) : 1f)];
    }

    /// <summary>Multiplies each row of <paramref name="probabilities"/> ([rows × classes]) by the weights and renormalises
    /// it to sum 1 (the exported graph does the same: Mul, then Div by the row sum).</summary>
    public static void Apply(ReadOnlySpan<float> weights, Span<float> probabilities, int rows)
    {
        int classes = weights.Length;
        for (int b = 0; b < rows; b++)
        {
            var row = probabilities.Slice(b * classes, classes);
            float sum = 0;
            for (int k = 0; k < classes; k++) sum += row[k] *= weights[k];
            if (sum > 0) for (int k = 0; k < classes; k++) row[k] /= sum;
        }
    }
}

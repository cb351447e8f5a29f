namespace VoiceEmotion.Training.Nn;

/// <summary>
/// A temperature on the ensemble's final probabilities that follows the session: speech heard without a session
/// baseline (an isolated clip, a call's first seconds) is sharpened by a factor <c>f</c> below 1, and the factor rises
/// toward 1 as the session members take their share of the vote (to f + (1 − f) · gate: 0.85 with the shipped gate 0.5). With s the session members' share (<see cref="EnsembleWeights.Share"/>)
/// the temperature is <c>t = f + (1 − f) · s</c> and each row becomes <c>p^(1/t)</c> renormalised — the same as dividing
/// the output's log-probabilities by t, so the most probable emotion of every window stays the same.
/// Why (stop 48, docs/model/recipe-experiments.md): with the output balanced by class, isolated speech came out
/// under-confident (live-update ECE 0.122, accuracy above confidence in every bin; a factor 0.7 fitted on the other
/// folds' updates gave 0.070 on every fold) while whole calls were calibrated as they were (ECE 0.048, 0.115 at 0.7):
/// one temperature could not serve both. Applied after the class weights, in <see cref="NetClassifier"/> and at the end
/// of the exported graph, where (w · p)^(1/t) renormalised is one Softmax of (log p + log w) / t.
/// </summary>
public static class SessionTemperature
{
    /// <summary>The temperature for a window whose session members hold <paramref name="share"/> of the vote.</summary>
    public static float At(float factor, float share) => factor + (1 - factor) * share;

    /// <summary>Raises a probability row to 1 / t for a window whose session members hold <paramref name="share"/> of the
    /// vote, and renormalises it to sum 1.</summary>
    public static void Apply(float factor, float share, Span<float> row)
    {
        float exponent = 1 / At(factor, share), sum = 0;
        for (int k = 0; k < row.Length; k++) sum += row[k] = MathF.Pow(row[k], exponent);
        if (sum > 0) for (int k = 0; k < row.Length; k++) row[k] /= sum;
    }
}

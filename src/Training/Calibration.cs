using System.Text;
using System.Text.Json.Serialization;

namespace VoiceEmotion.Training;

/// <summary>One confidence bin of a reliability table: windows whose top probability fell in [Low, High).</summary>
public sealed record ReliabilityBin(
    [property: JsonPropertyName("low")] double Low,
    [property: JsonPropertyName("high")] double High,
    [property: JsonPropertyName("windows")] int Windows,
    [property: JsonPropertyName("meanConfidence")] double MeanConfidence,
    [property: JsonPropertyName("accuracy")] double Accuracy);

/// <summary>How far the confidence a user sees is from how often it is right.</summary>
public sealed record CalibrationResult(
    [property: JsonPropertyName("windows")] int Windows,
    [property: JsonPropertyName("temperature")] double Temperature,
    [property: JsonPropertyName("ece")] double Ece,
    [property: JsonPropertyName("nll")] double Nll,
    [property: JsonPropertyName("reliability")] IReadOnlyList<ReliabilityBin> Reliability);

/// <summary>
/// Expected calibration error (10 equal-width bins of the top product probability, weighted by windows) over scored
/// windows, and the temperature that minimises their negative log-likelihood (a grid search, 0.5–4).
/// </summary>
public static class Calibration
{
    public const int Bins = 10;

    public static CalibrationResult Measure(LabelMap labels, IReadOnlyList<(float[] Raw, int Truth)> windows, float temperature) =>
        MeasureProducts(windows.Select(w => (labels.ToProduct(w.Raw, temperature), w.Truth)).ToList(), temperature);

    /// <summary>Calibration of product-label probability rows (already tempered); <paramref name="temperature"/> is only recorded.</summary>
    public static CalibrationResult MeasureProducts(IReadOnlyList<(float[] P, int Truth)> windows, double temperature)
    {
        var count = new int[Bins];
        var confidence = new double[Bins];
        var correct = new double[Bins];
        double nll = 0;
        foreach (var (p, truth) in windows)
        {
            int best = 0;
            for (int k = 1; k < p.Length; k++) if (p[k] > p[best]) best = k;
            int bin = Math.Min(Bins - 1, (int)(p[best] * Bins));
            count[bin]++;
            confidence[bin] += p[best];
            if (best == truth) correct[bin]++;
            nll -= Math.Log(Math.Max(p[truth], 1e-12));
        }
        int n = windows.Count;
        double ece = 0;
        var table = new List<ReliabilityBin>();
        for (int b = 0; b < Bins; b++)
        {
            double meanConfidence = count[b] == 0 ? 0 : confidence[b] / count[b];
            double accuracy = count[b] == 0 ? 0 : correct[b] / count[b];
            if (n > 0) ece += count[b] / (double)n * Math.Abs(meanConfidence - accuracy);
            table.Add(new ReliabilityBin(b / (double)Bins, (b + 1) / (double)Bins, count[b], meanConfidence, accuracy));
        }
        return new CalibrationResult(n, temperature, ece, n == 0 ? 0 : nll / n, table);
    }

    /// <summary>The temperature with the lowest negative log-likelihood on these windows.</summary>
    public static float FitTemperature(LabelMap labels, IReadOnlyList<(float[] Raw, int Truth)> windows)
    {
        if (windows.Count == 0) return 1f;
        float best = 1f;
        double bestNll = double.MaxValue;
        for (float t = 0.5f; t <= 4.0001f; t += 0.05f)
        {
            double nll = 0;
            foreach (var (raw, truth) in windows) nll -= Math.Log(Math.Max(labels.ToProduct(raw, t)[truth], 1e-12));
            if (nll < bestNll) { bestNll = nll; best = MathF.Round(t, 2); }
        }
        return best;
    }

    /// <summary>A Markdown reliability table.</summary>
    public static string Table(CalibrationResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"ECE {r.Ece:F3} over {r.Windows} windows (temperature {r.Temperature:0.##}, NLL {r.Nll:F3})").AppendLine();
        sb.AppendLine("| confidence | windows | mean confidence | accuracy |").AppendLine("|---|---:|---:|---:|");
        foreach (var b in r.Reliability.Where(b => b.Windows > 0))
            sb.AppendLine($"| {b.Low:F1}–{b.High:F1} | {b.Windows} | {b.MeanConfidence:F3} | {b.Accuracy:F3} |");
        return sb.ToString();
    }
}

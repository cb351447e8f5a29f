using System.Text.Json.Serialization;

namespace VoiceEmotion.Training;

public sealed record ClassMetrics(
    [property: JsonPropertyName("precision")] double Precision,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("f1")] double F1,
    [property: JsonPropertyName("support")] int Support);

/// <summary>The evaluation result; its JSON shape is the `evaluate --json` contract.</summary>
public sealed record EvaluationResult(
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("files")] int Files,
    [property: JsonPropertyName("skipped")] int Skipped,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("macroF1")] double MacroF1,
    [property: JsonPropertyName("perClass")] IReadOnlyDictionary<string, ClassMetrics> PerClass,
    [property: JsonPropertyName("confusion")] int[][] Confusion);

/// <summary>Accuracy, per-class precision/recall/F1, macro-F1 (mean over classes with support) and the confusion matrix.</summary>
public static class Metrics
{
    public static EvaluationResult Compute(IReadOnlyList<string> labels, IReadOnlyList<int> truth, IReadOnlyList<int> predicted, int skipped = 0)
    {
        if (truth.Count != predicted.Count) throw new ArgumentException("truth and predictions differ in length");
        int k = labels.Count;
        var confusion = Enumerable.Range(0, k).Select(_ => new int[k]).ToArray();
        for (int i = 0; i < truth.Count; i++) confusion[truth[i]][predicted[i]]++;
        return FromConfusion(labels, confusion, skipped);
    }

    /// <summary>The same figures from a confusion matrix alone (rows truth, columns prediction): every figure here is a
    /// function of it, so matrices summed over folds give the figures of the folds' clips pooled.</summary>
    public static EvaluationResult FromConfusion(IReadOnlyList<string> labels, int[][] confusion, int skipped = 0)
    {
        int k = labels.Count;
        if (confusion.Length != k || confusion.Any(row => row.Length != k)) throw new ArgumentException($"a confusion matrix of {k} × {k} was expected");
        int correct = 0, files = 0;
        for (int c = 0; c < k; c++)
        {
            correct += confusion[c][c];
            files += confusion[c].Sum();
        }
        var perClass = new Dictionary<string, ClassMetrics>();
        double f1Sum = 0;
        int present = 0;
        for (int c = 0; c < k; c++)
        {
            int tp = confusion[c][c];
            int support = confusion[c].Sum();
            int predictedCount = confusion.Sum(row => row[c]);
            double precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            double recall = support == 0 ? 0 : (double)tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass[labels[c]] = new ClassMetrics(precision, recall, f1, support);
            if (support > 0) { f1Sum += f1; present++; }
        }
        return new EvaluationResult(labels, files, skipped, files == 0 ? 0 : (double)correct / files,
            present == 0 ? 0 : f1Sum / present, perClass, confusion);
    }
}

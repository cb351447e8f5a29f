using System.Text;

namespace VoiceEmotion.Training;

/// <summary>Markdown reports with per-class tables and confusion matrices (text and PNG).</summary>
public static class Report
{
    public static string Summary(string title, EvaluationResult m) =>
        $"{title}: files {m.Files}, accuracy {m.Accuracy:F3}, macro-F1 {m.MacroF1:F3}";

    public static void Write(string directory, string name, string title, IReadOnlyList<(string Title, EvaluationResult Metrics)> sections, string? extra)
    {
        Directory.CreateDirectory(directory);
        var md = new StringBuilder($"# {title}\n\n");
        if (extra is not null) md.Append(extra).Append('\n');
        md.Append("| evaluation | files | accuracy | macro-F1 |\n|---|---:|---:|---:|\n");
        foreach (var (t, m) in sections) md.Append($"| {t} | {m.Files} | {m.Accuracy:F3} | {m.MacroF1:F3} |\n");
        int index = 0;
        foreach (var (t, m) in sections)
        {
            md.Append($"\n## {t}\n\n| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n");
            foreach (var label in m.Labels)
            {
                var c = m.PerClass[label];
                md.Append($"| {label} | {c.Precision:F3} | {c.Recall:F3} | {c.F1:F3} | {c.Support} |\n");
            }
            md.Append("\nConfusion (rows = true, columns = predicted):\n\n| true \\ predicted | ").Append(string.Join(" | ", m.Labels)).Append(" |\n|---|")
              .Append(string.Concat(Enumerable.Repeat("---:|", m.Labels.Count))).Append('\n');
            for (int r = 0; r < m.Labels.Count; r++) md.Append($"| {m.Labels[r]} | ").Append(string.Join(" | ", m.Confusion[r])).Append(" |\n");
            string png = $"{name}-confusion-{index++}.png";
            if (ConfusionPlot.TrySave(Path.Combine(directory, png), t, m)) md.Append($"\n![confusion matrix: {t}]({png})\n");
        }
        File.WriteAllText(Path.Combine(directory, $"{name}.md"), md.ToString());
    }
}

namespace VoiceEmotion.Training;

/// <summary>Confusion-matrix heatmap (row-normalised) as a PNG through ScottPlot.</summary>
public static class ConfusionPlot
{
    public static bool TrySave(string path, string title, EvaluationResult m)
    {
        try
        {
            int n = m.Labels.Count;
            var values = new double[n, n];
            for (int r = 0; r < n; r++)
            {
                double total = Math.Max(1, m.Confusion[r].Sum());
                for (int c = 0; c < n; c++) values[r, c] = m.Confusion[r][c] / total;
            }
            var plot = new ScottPlot.Plot();
            var heatmap = plot.Add.Heatmap(values);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            plot.Add.ColorBar(heatmap);
            for (int r = 0; r < n; r++)
                for (int c = 0; c < n; c++)
                {
                    var text = plot.Add.Text($"{m.Confusion[r][c]}", c, n - 1 - r);
                    text.LabelFontColor = values[r, c] > 0.5 ? ScottPlot.Colors.Black : ScottPlot.Colors.White;
                    text.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                }
            var ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
            plot.Axes.Bottom.SetTicks(ticks, [.. m.Labels]);
            plot.Axes.Left.SetTicks(ticks, [.. m.Labels.Reverse()]);
            plot.Axes.Bottom.Label.Text = "predicted";
            plot.Axes.Left.Label.Text = "true";
            plot.Title($"{title} — macro-F1 {m.MacroF1:F3}");
            plot.SavePng(path, 800, 700);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            Console.Error.WriteLine($"note: confusion PNG not written ({e.GetType().Name}: {e.Message})");
            return false;
        }
    }
}

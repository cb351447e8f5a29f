using System.Globalization;
using System.Text;

namespace VoiceEmotion.Training;

/// <summary>Training curves (loss and validation macro-F1 per epoch) as Markdown, CSV and a PNG.</summary>
public static class TrainingCurves
{
    public static void Write(string dir, string model, int bytes, string summary, double seconds, IReadOnlyList<EpochReport> curve, bool validated)
    {
        Directory.CreateDirectory(dir);
        var md = new StringBuilder("# Training\n\n");
        md.Append($"- model: `{model}` ({bytes / 1024.0:F0} KiB)\n- {summary}\n- time: {seconds:F0} s " +
                  $"(of which augmented features {curve.LastOrDefault()?.FeatureSeconds ?? 0:F0} s)\n");
        md.Append(validated ? "- validation: clean clip-level macro-F1 on the `--validate` data after each epoch\n\n"
                            : "- validation: none (`train --validate <data>` adds a validation macro-F1 column)\n\n");
        md.Append(Table(curve));
        if (TryPlot(Path.Combine(dir, "training-curves.png"), "training", [curve])) md.Append("\n![training curves](training-curves.png)\n");
        File.WriteAllText(Path.Combine(dir, "training.md"), md.ToString());
        File.WriteAllText(Path.Combine(dir, "training-curves.csv"), Csv(curve));
    }

    public static string Table(IReadOnlyList<EpochReport> curve)
    {
        var md = new StringBuilder("Loss is the mean over the epoch's passes over its fresh draw; first pass is the loss of the first pass alone, ")
            .Append("where each example is met before the net has stepped on it (the fresh-data loss). Later passes fit the draw the more, ")
            .Append("the higher the learning rate, so the mean over passes is not comparable between early and annealed epochs.\n\n")
            .Append("| member | epoch | windows | loss | loss, first pass | validation macro-F1 | seconds |\n|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in curve)
            md.Append($"| {r.Member + 1} | {r.Epoch + 1} | {r.Examples} | {r.Loss:F3} | {r.FreshLoss:F3} | {(r.ValidationMacroF1 is { } f ? f.ToString("F3", CultureInfo.InvariantCulture) : "–")} | {r.Seconds:F0} |\n");
        return md.ToString();
    }

    public static string Csv(IReadOnlyList<EpochReport> curve)
    {
        var csv = new StringBuilder("member,epoch,windows,loss,first_pass_loss,validation_macro_f1,seconds\n");
        foreach (var r in curve)
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{r.Member + 1},{r.Epoch + 1},{r.Examples},{r.Loss:F4},{r.FreshLoss:F4},{r.ValidationMacroF1?.ToString("F4", CultureInfo.InvariantCulture) ?? ""},{r.Seconds:F1}\n"));
        return csv.ToString();
    }

    /// <summary>Loss (left axis) and validation macro-F1 (right axis) per epoch, one line per run.</summary>
    public static bool TryPlot(string path, string title, IReadOnlyList<IReadOnlyList<EpochReport>> runs)
    {
        try
        {
            var plot = new ScottPlot.Plot();
            int i = 0;
            foreach (var run in runs)
            {
                i++;
                var epochs = run.Select(r => (double)(r.Epoch + 1)).ToArray();
                var loss = plot.Add.Scatter(epochs, run.Select(r => r.Loss).ToArray());
                loss.LegendText = runs.Count == 1 ? "loss" : $"loss {i}";
                if (runs.Count == 1)
                {
                    var fresh = plot.Add.Scatter(epochs, run.Select(r => r.FreshLoss).ToArray());
                    fresh.LinePattern = ScottPlot.LinePattern.Dotted;
                    fresh.LegendText = "loss, first pass";
                }
                if (run.All(r => r.ValidationMacroF1 is not null))
                {
                    var f1 = plot.Add.Scatter(epochs, run.Select(r => r.ValidationMacroF1!.Value).ToArray());
                    f1.Axes.YAxis = plot.Axes.Right;
                    f1.LinePattern = ScottPlot.LinePattern.Dashed;
                    f1.LegendText = runs.Count == 1 ? "validation macro-F1" : $"validation macro-F1 {i}";
                }
            }
            plot.Axes.Bottom.Label.Text = "epoch";
            plot.Axes.Left.Label.Text = "training loss";
            plot.Axes.Right.Label.Text = "validation macro-F1 (dashed)";
            plot.Title(title);
            plot.ShowLegend();
            plot.SavePng(path, 900, 500);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            Console.Error.WriteLine($"note: curve PNG not written ({e.GetType().Name}: {e.Message})");
            return false;
        }
    }
}

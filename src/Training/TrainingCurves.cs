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
        md.Append($"- model: `{model}` ({bytes / 1024.0:F0} KiB)\n- {summary}\n- time: {TimeLine(seconds, curve)}\n");
        md.Append(validated ? "- validation: clean clip-level macro-F1 on the `--validate` data after each epoch\n\n"
                            : "- validation: none (`train --validate <data>` adds a validation macro-F1 column)\n\n");
        md.Append(Table(curve));
        if (TryPlot(Path.Combine(dir, "training-curves.png"), "training", [curve])) md.Append("\n![training curves](training-curves.png)\n");
        File.WriteAllText(Path.Combine(dir, "training.md"), md.ToString());
        File.WriteAllText(Path.Combine(dir, "training-curves.csv"), Csv(curve));
    }

    /// <summary>"1377 s (of which drawing augmented features 1050 s: members 1–3 380 / 340 / 330 s)". Each member
    /// draws its own examples and its count is cumulative over its epochs, so the total is the sum of every member's
    /// last count (the draw made before a member's first epoch included), not the last member's alone.</summary>
    public static string TimeLine(double seconds, IReadOnlyList<EpochReport> curve)
    {
        var perMember = curve.GroupBy(r => r.Member).OrderBy(g => g.Key).Select(g => g.Max(r => r.FeatureSeconds)).ToList();
        if (perMember.Count == 0) return $"{seconds:F0} s";
        string members = perMember.Count == 1 ? "" : $": members 1–{perMember.Count} {string.Join(" / ", perMember.Select(f => f.ToString("F0", CultureInfo.InvariantCulture)))} s";
        return string.Create(CultureInfo.InvariantCulture, $"{seconds:F0} s (of which drawing augmented features {perMember.Sum():F0} s{members})");
    }

    public static string Table(IReadOnlyList<EpochReport> curve)
    {
        var md = new StringBuilder("Loss is the mean over the epoch's passes over its fresh draw; first pass is the loss of the first pass alone, ")
            .Append("where each example is met before the net has stepped on it (the fresh-data loss). Later passes fit the draw the more, ")
            .Append("the higher the learning rate, so the mean over passes is not comparable between early and annealed epochs.\n\n")
            .Append("| member | epoch | windows | loss | loss, first pass | validation macro-F1 | seconds |");
        bool adversary = curve.Any(r => r.SpeakerAccuracy is not null);
        md.Append(adversary ? " speaker adversary right |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n" : "\n|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in curve)
            md.Append($"| {r.Member + 1} | {r.Epoch + 1} | {r.Examples} | {r.Loss:F3} | {r.FreshLoss:F3} | {(r.ValidationMacroF1 is { } f ? f.ToString("F3", CultureInfo.InvariantCulture) : "–")} | {r.Seconds:F0} |" +
                      (adversary ? $" {(r.SpeakerAccuracy is { } a ? a.ToString("P1", CultureInfo.InvariantCulture) : "–")} |\n" : "\n"));
        return md.ToString();
    }

    public static string Csv(IReadOnlyList<EpochReport> curve)
    {
        bool adversary = curve.Any(r => r.SpeakerAccuracy is not null);
        var csv = new StringBuilder("member,epoch,windows,loss,first_pass_loss,validation_macro_f1,seconds").Append(adversary ? ",speaker_adversary_right\n" : "\n");
        foreach (var r in curve)
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{r.Member + 1},{r.Epoch + 1},{r.Examples},{r.Loss:F4},{r.FreshLoss:F4},{r.ValidationMacroF1?.ToString("F4", CultureInfo.InvariantCulture) ?? ""},{r.Seconds:F1}"))
               .Append(adversary ? string.Create(CultureInfo.InvariantCulture, $",{r.SpeakerAccuracy?.ToString("F4", CultureInfo.InvariantCulture) ?? ""}\n") : "\n");
        return csv.ToString();
    }

    /// <summary>One line of a plot: a run's member, its epochs in order.</summary>
    public sealed record Series(int Run, int Member, double[] Epochs, double[] Loss, double[] FreshLoss, double[]? ValidationMacroF1);

    /// <summary>
    /// The lines to draw: one per run and ensemble member. A run's curve lists its members one after another, each from
    /// epoch 1, so drawn as one line it would jump back from the last epoch of one member to the first of the next.
    /// </summary>
    public static IReadOnlyList<Series> Lines(IReadOnlyList<IReadOnlyList<EpochReport>> runs) =>
        runs.SelectMany((run, i) => run.GroupBy(r => r.Member).OrderBy(g => g.Key).Select(g =>
        {
            var rows = g.OrderBy(r => r.Epoch).ToArray();
            return new Series(i, g.Key, rows.Select(r => (double)(r.Epoch + 1)).ToArray(), rows.Select(r => r.Loss).ToArray(),
                rows.Select(r => r.FreshLoss).ToArray(),
                rows.All(r => r.ValidationMacroF1 is not null) ? rows.Select(r => r.ValidationMacroF1!.Value).ToArray() : null);
        })).ToArray();

    /// <summary>Loss (left axis) and validation macro-F1 (right axis, when there is one) per epoch, one colour per
    /// member; for a single run also the first-pass loss (dotted).</summary>
    public static bool TryPlot(string path, string title, IReadOnlyList<IReadOnlyList<EpochReport>> runs)
    {
        try
        {
            var plot = new ScottPlot.Plot();
            var lines = Lines(runs);
            bool single = runs.Count == 1, validated = lines.Any(l => l.ValidationMacroF1 is not null);
            foreach (var line in lines)
            {
                var color = plot.Add.Palette.GetColor(line.Member);
                string who = $"member {line.Member + 1}";
                var loss = plot.Add.Scatter(line.Epochs, line.Loss, color);
                // Many runs: name each member once, not every fold's line.
                loss.LegendText = single || line.Run == 0 ? $"loss, {who}" : "";
                if (single)
                {
                    var fresh = plot.Add.Scatter(line.Epochs, line.FreshLoss, color);
                    fresh.LinePattern = ScottPlot.LinePattern.Dotted;
                    fresh.MarkerSize = 0;
                    fresh.LegendText = $"first pass, {who}";
                }
                if (line.ValidationMacroF1 is { } f1Values)
                {
                    var f1 = plot.Add.Scatter(line.Epochs, f1Values, color);
                    f1.Axes.YAxis = plot.Axes.Right;
                    f1.LinePattern = ScottPlot.LinePattern.Dashed;
                    f1.LegendText = single ? $"validation macro-F1, {who}" : "";
                }
            }
            plot.Axes.Bottom.Label.Text = "epoch";
            plot.Axes.Left.Label.Text = "training loss";
            if (validated) plot.Axes.Right.Label.Text = "validation macro-F1 (dashed)";
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

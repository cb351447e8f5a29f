using Spectre.Console;

namespace VoiceEmotion.Training;

/// <summary>Progress bars on a terminal (Spectre.Console); plain percentage lines with the time left, from the pace so
/// far, when output is redirected (CI, logs, a cross-validation left running for hours).</summary>
public static class ProgressReporter
{
    public static T Run<T>(string title, Func<Action<double>, T> work)
    {
        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsErrorRedirected)
        {
            T result = default!;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(title, maxValue: 1.0);
                    result = work(p => task.Value = Math.Min(1.0, p));
                    task.Value = 1.0;
                });
            return result;
        }
        int lastTenth = -1;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var value = work(p =>
        {
            int tenth = (int)(p * 10);
            if (tenth <= lastTenth) return;
            lock (watch)
            {
                if (tenth <= lastTenth) return;
                lastTenth = tenth;
                double elapsed = watch.Elapsed.TotalSeconds;
                // From the first tenth on: before it the pace is a start-up's (a run's first report comes a few
                // seconds in, at a fraction of a per cent, and extrapolated to "87 h").
                string left = tenth >= 1 && p < 1 ? $"; about {Remaining(elapsed * (1 - p) / p)} left" : "";
                Console.Error.WriteLine($"{title}: {tenth * 10}% ({elapsed:F0} s{left})");
            }
        });
        Console.Error.WriteLine($"{title}: done in {watch.Elapsed.TotalSeconds:F1} s");
        return value;
    }

    /// <summary>"40 s", "12 min", "2.5 h".</summary>
    public static string Remaining(double seconds) =>
        seconds < 90 ? $"{seconds:F0} s" : seconds < 5400 ? $"{seconds / 60:F0} min" : $"{seconds / 3600:F1} h";
}

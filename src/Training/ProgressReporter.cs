using Spectre.Console;

namespace VoiceEmotion.Training;

/// <summary>Progress bars on a terminal (Spectre.Console); plain percentage lines when output is redirected (CI, logs).</summary>
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
                Console.Error.WriteLine($"{title}: {tenth * 10}% ({watch.Elapsed.TotalSeconds:F0} s)");
            }
        });
        Console.Error.WriteLine($"{title}: done in {watch.Elapsed.TotalSeconds:F1} s");
        return value;
    }
}

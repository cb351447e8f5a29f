namespace VoiceEmotion.Training.Tests.Cli;

[Collection(ConsoleError.Name)] // captures Console.Error, which is the process's: one such class at a time
public sealed class ProgressReporterTests
{
    [Fact]
    public void RedirectedProgressSaysHowLongIsLeftFromThePaceSoFar()
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        int result;
        try
        {
            result = ProgressReporter.Run("unit of work", report =>
            {
                report(0.0001); // a start-up's pace: no estimate yet
                Thread.Sleep(200);
                report(0.25); // a quarter in ≈ 0.2 s: ≈ 0.6 s left
                report(0.26); // the same tenth: no second line
                report(1.0);
                return 7;
            });
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(7, result);
        var lines = captured.ToString().Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("unit of work:", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Matches(@"^unit of work: 0% \(\d+ s\)$", lines[0]);
        // Seconds, not a fixed value: a loaded machine may sleep longer than asked.
        Assert.Matches(@"^unit of work: 20% \(\d+ s; about \d+ s left\)$", lines[1]);
        Assert.Matches(@"^unit of work: 100% \(\d+ s\)$", lines[2]);
        Assert.StartsWith("unit of work: done in ", lines[3]);
    }

    [Theory]
    [InlineData(42, "42 s")]
    [InlineData(600, "10 min")]
    [InlineData(9000, "2.5 h")]
    public void TimeLeftIsInUnitsAPersonReads(double seconds, string expected) => Assert.Equal(expected, ProgressReporter.Remaining(seconds));
}

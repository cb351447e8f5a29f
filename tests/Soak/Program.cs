using System.Globalization;
using System.Text.Json;
using VoiceEmotion.Soak;

// dotnet run -c Release --project tests/Soak -- [--minutes 10] [--callers 80] [--outage-seconds 10] [--no-restart]
//     [--postgres CONNECTION] [--report soak.json]
// Needs the Release build of src/StreamHub and a PostgreSQL server (scripts/soak.sh provides both).
var options = new SoakOptions();
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
        double Number() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a non-negative number");
        options = args[i] switch
        {
            "--minutes" => options with { DurationSeconds = Number() * 60 },
            "--seconds" => options with { DurationSeconds = Number() },
            "--callers" => options with { Callers = Math.Max(1, (int)Number()) },
            "--outage-seconds" => options with { OutageSeconds = Number() },
            "--no-restart" => options with { Restart = false },
            "--postgres" => options with { Postgres = Value() },
            "--report" => options with { ReportPath = Value() },
            "--seed" => options with { Seed = (int)Number() },
            _ => throw new ArgumentException($"unknown option '{args[i]}'"),
        };
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("usage: soak [--minutes 10] [--callers 80] [--outage-seconds 10] [--no-restart] [--postgres CONNECTION] [--report soak.json]");
    return 2;
}

var report = await new SoakRun(options).RunAsync();
var summary = report with { Samples = [], Events = [] };
Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
Console.Error.WriteLine(report.Passed ? "soak: PASSED" : $"soak: FAILED ({report.Problems.Count} problems)");
return report.Passed ? 0 : 1;

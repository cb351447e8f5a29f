using System.Text.Json;
using VoiceEmotion.Client;
using VoiceEmotion.Replay;

ReplayOptions options;
try
{
    options = ReplayOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(ReplayOptions.Usage);
    return 2;
}

try
{
    var recordings = Recording.Find(options.Inputs).Select(path => new Recording(path, options.ChunkMs)).ToList();
    if (options.LoadMode)
    {
        Console.Error.WriteLine($"load: {options.Concurrency} {(options.SessionPerRecording ? "streams (a session per recording)" : "calls")} of {recordings.Count} recording(s) at speed {(options.Speed == 0 ? "max" : options.Speed)} for {options.DurationSeconds} s against {options.Hub}");
        if (options.ClientWarmupSeconds > 0)
        {
            // Same load, same process, nothing kept: its calls are completed (not left open on the hub) before the run.
            var warm = await LoadTest.RunAsync(options with { DurationSeconds = options.ClientWarmupSeconds, ServerPid = null }, recordings);
            Console.Error.WriteLine($"warm-up: {options.ClientWarmupSeconds} s, {warm.UpdatesReceived}/{warm.UpdatesExpected} updates, {warm.Errors} error(s) (discarded)");
        }
        var report = await LoadTest.RunAsync(options, recordings);
        LoadTest.Write(report, options.ReportPath);
        return report.Errors == 0 ? 0 : 1;
    }

    var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    await using var hub = await EmotionHubClient.ConnectAsync(options.ClientOptions);
    int failures = 0;
    foreach (var recording in recordings)
    {
        var session = new ReplaySession(hub, recording, options.Speed, update =>
        {
            lock (json) Console.WriteLine(JsonSerializer.Serialize(new { type = "update", file = recording.Path, update }, json));
        }, options.CompactUpdates);
        await session.RunAsync(CancellationToken.None);
        if (session.Summary is { } summary) Console.WriteLine(JsonSerializer.Serialize(new { type = "summary", file = recording.Path, summary }, json));
        if (session.Error is not null || session.Failure is not null)
        {
            failures++;
            Console.Error.WriteLine($"{recording.Path}: {(session.Error is { } e ? e.Message : session.Failure!.Message)}");
        }
    }
    return failures == 0 ? 0 : 1;
}
catch (Exception e) when (e is FileNotFoundException or VoiceEmotion.Pipeline.Audio.AudioFormatException or HttpRequestException or ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

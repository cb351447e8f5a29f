using System.Net;
using System.Text.Json;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Contracts;

namespace VoiceEmotion.StreamHub.Tests;

public sealed class ObservabilityTests
{
    [Fact]
    public async Task MetricsAreExposedForPrometheusAndCountWhatHappened()
    {
        await using var server = await HubServer.StartAsync();
        await using var connection = await server.ConnectAsync("json");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 2.0), AudioEncoding.Pcm16Le);
        var (updates, _, _, failure) = await HubClient.StreamAsync(connection, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        await Assert.ThrowsAnyAsync<Exception>(() => HubClient.StreamAsync(connection, new StartSessionRequest { Encoding = "opus", SampleRate = 16000 }, []));

        using var http = new HttpClient();
        string text = "";
        // The exporter caches a scrape briefly; ask until the counts of this run are in.
        for (int i = 0; i < 300 && !HasLine(text, "voiceemotion_errors_total{", "kind=\"format_invalid\""); i++) // up to 30 s
        {
            await Task.Delay(100);
            text = await http.GetStringAsync(new Uri(server.Address, "/metrics"));
        }
        Assert.Contains("voiceemotion_sessions_active", text);
        Assert.Contains("voiceemotion_update_latency_milliseconds_bucket", text);
        Assert.Contains("voiceemotion_inference_batch_size", text);
        Assert.Contains("voiceemotion_chunk_pool_held_bytes ", text);
        // The session buffer pool: a session ran in this process, so at least one feature extractor was made for one.
        Assert.True(HasLine(text, "voiceemotion_window_pool_spare{", "kind=\"extractor\""), "window pool spare gauge missing");
        var extractors = text.Split('\n').First(l => l.StartsWith("voiceemotion_window_pool_allocated_total{", StringComparison.Ordinal) && l.Contains("kind=\"extractor\"", StringComparison.Ordinal));
        Assert.True(SampleValue(extractors) >= 1, extractors);
        Assert.True(HasLine(text, "voiceemotion_window_pool_discarded_total{", "kind=\"input\""), "window pool discarded counter missing");
        Assert.True(HasLine(text, "voiceemotion_errors_total{", "kind=\"format_invalid\""), "format_invalid error not counted");
        // e.g. voiceemotion_updates_sent_total{source="hub"} 4 1764000000000
        var sent = text.Split('\n').First(l => l.StartsWith("voiceemotion_updates_sent_total{", StringComparison.Ordinal) && l.Contains("source=\"hub\"", StringComparison.Ordinal));
        double value = SampleValue(sent);
        Assert.True(value >= updates.Count, sent);
        // The hub's half of each update's way out: counted for every update sent to its owner, and a duration, not a
        // stale or missing ready time (those read as hours since the process started, or are not recorded).
        double deliveredCount = Value(text, "voiceemotion_update_send_latency_milliseconds_count");
        double deliveredSum = Value(text, "voiceemotion_update_send_latency_milliseconds_sum");
        Assert.True(deliveredCount >= updates.Count, $"send latency recorded for {deliveredCount} updates, {updates.Count} were sent");
        Assert.InRange(deliveredSum / deliveredCount, 0, 5_000);
        Assert.True(text.Contains("dotnet_gc_", StringComparison.Ordinal) || text.Contains("process_runtime_dotnet_", StringComparison.Ordinal), "runtime metrics missing");
    }

    // The first sample of a series, e.g. "name{otel_scope_name=...} 12.5 1764000000000" -> 12.5.
    private static double Value(string text, string name)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && (l[name.Length] is '{' or ' '));
        Assert.True(line is not null, $"{name} missing from /metrics");
        return SampleValue(line!);
    }

    // The value of one exposition line: what follows the labels (or the name, without labels), before the timestamp.
    private static double SampleValue(string line)
    {
        int from = line.Contains('}') ? line.IndexOf('}') + 2 : line.IndexOf(' ') + 1;
        return double.Parse(line[from..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool HasLine(string text, string prefix, string part) =>
        text.Split('\n').Any(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(part, StringComparison.Ordinal));

    [Fact]
    public async Task LivenessAndReadinessAreSeparate()
    {
        await using var server = await HubServer.StartAsync();
        using var http = new HttpClient();
        using var live = await http.GetAsync(new Uri(server.Address, "/healthz/live"));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await http.GetAsync(new Uri(server.Address, "/healthz/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var doc = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", doc.RootElement.GetProperty("checks").GetProperty("model").GetProperty("status").GetString());
        Assert.Equal("Healthy", doc.RootElement.GetProperty("checks").GetProperty("calllog").GetProperty("status").GetString());
    }
}

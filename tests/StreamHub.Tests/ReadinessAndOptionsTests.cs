using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VoiceEmotion.Soak;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Readiness that can fail (a probe window through the real inference batcher) and settings checked at start.</summary>
public sealed class ReadinessAndOptionsTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Model)> ReadyAsync(HubServer server)
    {
        using var http = server.Http();
        using var response = await http.GetAsync("/healthz/ready");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, doc.RootElement.GetProperty("checks").GetProperty("model").Clone());
    }

    [Fact]
    public async Task ReadinessIsHealthyWhenAProbeWindowComesBackAndUnhealthyOnceTheBatcherIsStopped()
    {
        await using var server = await HubServer.StartAsync();
        var (status, model) = await ReadyAsync(server);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", model.GetProperty("status").GetString());
        Assert.Contains("probe window came back through the inference batcher", model.GetProperty("description").GetString());

        // The batcher stops (as it does when the host shuts down): the model is still loaded, but no session could get
        // an update, so the node must not be ready.
        await server.Services.GetRequiredService<ModelHost>().Batcher.DisposeAsync();
        (status, model) = await ReadyAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", model.GetProperty("status").GetString());
        Assert.Contains("inference batcher is stopped", model.GetProperty("description").GetString());
    }

    [Fact]
    public async Task TheModelRunsOnTheWorkersConfiguredAndTheServerStillStops()
    {
        // Two workers (the default on a machine of three cores or more): a stop used to leave one asleep for ever.
        var server = await HubServer.StartAsync(o => o.InferenceWorkers = 2);
        Assert.Equal(2, server.Services.GetRequiredService<ModelHost>().Batcher.Workers);
        var (status, _) = await ReadyAsync(server);
        Assert.Equal(HttpStatusCode.OK, status);
        var stopping = server.DisposeAsync().AsTask();
        Assert.True(await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(30))) == stopping, "the server did not stop");
    }

    [Fact]
    public async Task ReadinessIsUnhealthyWhenTheBatcherCannotAnswerWithinTheProbeTimeout()
    {
        // One window per model call and the shortest probe timeout; the batcher is then buried under thousands of windows,
        // so the probe waits behind them (load on the machine only makes that wait longer).
        await using var server = await HubServer.StartAsync(o => { o.MaxInferenceBatch = 1; o.ReadinessProbeSeconds = 0.1; });
        var batcher = server.Services.GetRequiredService<ModelHost>().Batcher;
        using var stop = new CancellationTokenSource();
        var backlog = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var pending = new List<Task>();
            while (!stop.IsCancellationRequested)
            {
                pending.Add(batcher.ProbeAsync());
                if (pending.Count >= 1000) { await Task.WhenAll(pending); pending.Clear(); }
            }
            await Task.WhenAll(pending);
        })).ToArray();
        try
        {
            for (int i = 0; i < 600 && batcher.QueueDepth < 1000; i++) await Task.Delay(10);
            Assert.True(batcher.QueueDepth >= 1000, $"backlog of only {batcher.QueueDepth} windows");
            var (status, model) = await ReadyAsync(server);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("Unhealthy", model.GetProperty("status").GetString());
            Assert.Contains("did not come back through the inference batcher within 0.1 s", model.GetProperty("description").GetString());
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(backlog);
        }
        // Once the backlog has drained the same node is ready again.
        var after = HttpStatusCode.ServiceUnavailable;
        for (int i = 0; i < 300 && after != HttpStatusCode.OK; i++) (after, _) = await ReadyAsync(server);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Theory]
    [InlineData("CallLog:MaxPendingUpdates", "10", "CallLog:MaxPendingUpdates must be between 100 and 10000000, was 10")]
    [InlineData("CallLog:FlushBatch", "0", "CallLog:FlushBatch must be between 1 and 100000, was 0")]
    [InlineData("StreamHub:MaxInferenceBatch", "0", "StreamHub:MaxInferenceBatch must be between 1 and 1024, was 0")]
    [InlineData("StreamHub:InferenceWorkers", "-1", "StreamHub:InferenceWorkers must be between 0 and 256, was -1")]
    [InlineData("StreamHub:SlowClientSendTimeoutSeconds", "-1", "StreamHub:SlowClientSendTimeoutSeconds must be between 0.1 and 600, was -1")]
    [InlineData("Alerts:Rules:0:MinProbability", "1.5", "Alerts:Rules:0:MinProbability must be between 0 and 1, was 1.5")]
    [InlineData("Alerts:Rules:0:Label", "bored", "Alerts:Rules:0:Label must be one of neutral, happy, sad, angry, fearful, disgust, surprised, was 'bored'")]
    [InlineData("Alerts:WebhookQueueLength", "0", "Alerts:WebhookQueueLength must be between 1 and 100000, was 0")]
    [InlineData("Alerts:WebhookMaxRetrySeconds", "0.5", "Alerts:WebhookMaxRetrySeconds must be at least Alerts:WebhookRetrySeconds (1), was 0.5")]
    [InlineData("PhoneBridge:MaxAudioSocketPayloadBytes", "70000", "PhoneBridge:MaxAudioSocketPayloadBytes must be between 320 and 65535, was 70000")]
    [InlineData("ScaleOut:PublishSeconds", "0", "ScaleOut:PublishSeconds must be between 0.1 and 60, was 0")]
    [InlineData("Auth:ApiKeys:0:Key", "short", "Auth:ApiKeys:0:Key must be at least 16 characters, was 5")]
    public async Task AServerWithABadSettingFailsToStartNamingIt(string key, string value, string message)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Auth:ApiKeys:0:", StringComparison.Ordinal)) { settings["Auth:ApiKeys:0:Name"] = "k"; settings["Auth:ApiKeys:0:Roles:0"] = "client"; }
        var e = await Assert.ThrowsAnyAsync<Exception>(() => HubServer.StartAsync(settings: settings));
        Assert.Contains(message, e.ToString());
    }

    [Fact]
    public async Task TheRealExecutableRefusesToStartWithABadSettingAndSaysWhich()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => HubProcess.StartAsync("--CallLog:FlushMilliseconds", "0", "--StreamHub:MaxConcurrentSessions", "0"));
        Assert.Contains("invalid configuration", e.Message);
        Assert.Contains("CallLog:FlushMilliseconds must be between 10 and 60000, was 0", e.Message);
        Assert.Contains("StreamHub:MaxConcurrentSessions must be between 1 and 100000, was 0", e.Message);
    }
}

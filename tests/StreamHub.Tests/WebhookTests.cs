using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Alerts;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Observability;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Alert webhooks against a real receiver on loopback: signed, retried until a receiver comes back, bounded.</summary>
public sealed class WebhookTests
{
    private const string Secret = "webhook-test-secret-0001";

    private static AlertRule AnySpeech => new() { Name = "any-speech", Label = "neutral", MinProbability = 0f, MinSeconds = 1 };

    /// <summary>What a receiver does: HMAC-SHA256 of "{timestamp}.{body}" under its secret, compared in constant time.</summary>
    private static bool Verify(string secret, string timestamp, byte[] body, string signature)
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + ".").Concat(body).ToArray()));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature));
    }

    private static async Task Until(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {seconds} s for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The webhook counters of one server's meter. Read from the instruments rather than a /metrics scrape: every server in
    /// this test process has a meter of the same name, and the exporters match meters by name, so parallel test servers
    /// would mix (and, as they stop, remove) each other's series.
    /// </summary>
    private sealed class Counters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _values = new();

        public Counters(HubServer server)
        {
            var meter = server.Services.GetRequiredService<HubMetrics>().Meter;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name.StartsWith("voiceemotion.webhooks.", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _values.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
            _listener.Start();
        }

        public long Delivered => _values.GetValueOrDefault("voiceemotion.webhooks.delivered");
        public long Retried => _values.GetValueOrDefault("voiceemotion.webhooks.retried");
        public long Failed => _values.GetValueOrDefault("voiceemotion.webhooks.failed");
        public long Dropped => _values.GetValueOrDefault("voiceemotion.webhooks.dropped");

        public void Dispose() => _listener.Dispose();
    }

    private static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    private static AlertMessage Alert(string id) =>
        new(id, "session-" + id, "angry-sustained", "angry", 2, 5, 0.8, "test", null, null, DateTimeOffset.UtcNow);

    [Fact]
    public async Task AnAlertFromALiveSessionArrivesSignedWithTheSecret()
    {
        int port = WebhookReceiver.FreePort();
        await using var receiver = await WebhookReceiver.StartAsync(port);
        await using var server = await HubServer.StartAsync(configureAlerts: o =>
        {
            o.Rules = [AnySpeech];
            o.Webhooks = [new WebhookTarget { Url = WebhookReceiver.UrlAt(port).ToString(), Secret = Secret }];
        });
        using var counters = new Counters(server);
        await using var caller = await server.ConnectAsync("json");
        var audio = TestAudio.Encode(TestAudio.Voice(16000, 4.0, seed: 8), AudioEncoding.Pcm16Le);
        var (_, summary, errors, failure) = await HubClient.StreamAsync(caller, new StartSessionRequest { Encoding = "pcm16le", SampleRate = 16000 }, TestAudio.Chunks(audio, 3200));
        Assert.Null(failure);
        Assert.Empty(errors);

        await Until(() => Task.FromResult(!receiver.Received.IsEmpty), "the webhook POST");
        Assert.True(receiver.Received.TryPeek(out var post));
        var headers = post!.Headers;
        Assert.StartsWith("application/json", headers["Content-Type"]);
        Assert.Equal("alert", headers["X-VoiceEmotion-Event"]);
        Assert.Equal("1", headers["X-VoiceEmotion-Attempt"]);
        var timestamp = headers["X-VoiceEmotion-Timestamp"];
        var signature = headers["X-VoiceEmotion-Signature"];
        // Unix seconds (not milliseconds): within a few minutes of this machine's clock.
        Assert.InRange(long.Parse(timestamp, CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.True(Verify(Secret, timestamp, post.Body, signature), "the signature does not verify with the right secret");
        Assert.False(Verify("another-secret-of-24-chars", timestamp, post.Body, signature), "a wrong secret must not verify");
        Assert.False(Verify(Secret, timestamp, [.. post.Body, (byte)' '], signature), "a changed body must not verify");
        Assert.False(Verify(Secret, (long.Parse(timestamp, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture), post.Body, signature), "a changed timestamp must not verify");

        var alert = JsonSerializer.Deserialize<AlertMessage>(post.Body, JsonSerializerOptions.Web)!;
        Assert.Equal(summary!.SessionId, alert.SessionId);
        Assert.Equal("any-speech", alert.Rule);
        Assert.Equal(headers["X-VoiceEmotion-Id"], alert.AlertId);
        using (var json = JsonDocument.Parse(post.Body)) Assert.True(json.RootElement.TryGetProperty("sustainedSeconds", out _), "the body uses the protocol's camelCase names");
        await Until(() => counters.Delivered >= 1, "the delivered counter");
        Assert.Equal(0, counters.Retried);
    }

    [Fact]
    public async Task AReceiverThatIsDownGetsTheAlertOnceItComesBack()
    {
        int port = WebhookReceiver.FreePort(); // nothing listens: connections are refused
        await using var server = await HubServer.StartAsync(configureAlerts: o =>
        {
            o.Webhooks = [new WebhookTarget { Url = WebhookReceiver.UrlAt(port).ToString(), Secret = Secret }];
            o.WebhookRetrySeconds = 0.2;
            o.WebhookMaxRetrySeconds = 1;
            o.WebhookMaxAttempts = 1000;
        });
        using var counters = new Counters(server);
        server.Services.GetRequiredService<WebhookSender>().Enqueue(Alert("a1"));
        await Until(() => counters.Retried >= 2, "two failed attempts");
        Assert.Equal(0, counters.Delivered);

        await using var receiver = await WebhookReceiver.StartAsync(port);
        await Until(() => Task.FromResult(!receiver.Received.IsEmpty), "the delivery after the receiver came back");
        Assert.True(receiver.Received.TryPeek(out var post));
        Assert.Equal("a1", post!.Headers["X-VoiceEmotion-Id"]);
        Assert.True(int.Parse(post.Headers["X-VoiceEmotion-Attempt"], CultureInfo.InvariantCulture) >= 3, "it arrived on a retry");
        Assert.True(Verify(Secret, post.Headers["X-VoiceEmotion-Timestamp"], post.Body, post.Headers["X-VoiceEmotion-Signature"]));
        await Until(() => counters.Delivered == 1, "the delivered counter");
        Assert.Equal(0, counters.Failed);
    }

    [Fact]
    public async Task AlertsQueuedWhenAServiceStopsBeforeItsDeliveryLoopRanAreCountedAsUndelivered()
    {
        // The delivery loops never ran (a host that stopped right after starting): the alerts lost with the queue are
        // logged all the same.
        var logs = new RecordedLogs();
        var dir = Directory.CreateTempSubdirectory("ve-webhook-stop-");
        var settings = new Dictionary<string, string?>
        {
            ["Alerts:Webhooks:0:Url"] = WebhookReceiver.UrlAt(WebhookReceiver.FreePort()).ToString(),
            ["Alerts:Webhooks:0:Secret"] = Secret,
            ["CallLog:SqlitePath"] = Path.Combine(dir.FullName, "log.db"),
        };
        await using (var app = UnstartedHost.Build(settings, logs))
        {
            var sender = app.Services.GetRequiredService<WebhookSender>();
            sender.Enqueue(Alert("a1"));
            sender.Enqueue(Alert("a2"));
            await sender.StopAsync(CancellationToken.None);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        dir.Delete(recursive: true);
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Warning && m.Text.EndsWith("2 alert(s) undelivered at shutdown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFullQueueDropsItsOldestDeliveriesAndCountsThem()
    {
        int port = WebhookReceiver.FreePort();
        await using var server = await HubServer.StartAsync(configureAlerts: o =>
        {
            o.Webhooks = [new WebhookTarget { Url = WebhookReceiver.UrlAt(port).ToString(), Secret = Secret }];
            o.WebhookQueueLength = 2;
            o.WebhookRetrySeconds = 0.5;
            o.WebhookMaxRetrySeconds = 0.5;
            o.WebhookMaxAttempts = 1000;
        });
        using var counters = new Counters(server);
        var sender = server.Services.GetRequiredService<WebhookSender>();
        sender.Enqueue(Alert("a1"));
        // a1 is being retried (out of the queue); two more fit, the oldest waiting ones make way for newer.
        await Until(() => counters.Retried >= 1, "a1 in flight");
        foreach (var id in new[] { "a2", "a3", "a4", "a5" }) sender.Enqueue(Alert(id));
        await Until(() => counters.Dropped >= 2, "the dropped counter");

        await using var receiver = await WebhookReceiver.StartAsync(port);
        await Until(() => Task.FromResult(receiver.Received.Count >= 3), "the deliveries that were kept");
        await Task.Delay(500); // nothing more may come
        Assert.Equal(["a1", "a4", "a5"], receiver.Received.Select(r => r.Headers["X-VoiceEmotion-Id"]).ToArray());
        Assert.Equal(2, counters.Dropped);
        await Until(() => counters.Delivered == 3, "three deliveries counted");
    }

    [Fact]
    public async Task BadWebhookSettingsStopTheServerWithMessagesNamingThem()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => HubServer.StartAsync(configureAlerts: o =>
        {
            o.Webhooks = [new WebhookTarget { Url = "ftp://example.test/hook?token=receiver-token", Secret = "tiny-secret" }];
            o.WebhookTimeoutSeconds = 0;
        }));
        Assert.Contains("Alerts:Webhooks:0:Url must be an absolute http(s) URL, was 'ftp://example.test/hook?…'", e.Message);
        Assert.Contains("Alerts:Webhooks:0:Secret must be at least 16 characters, was 11", e.Message);
        Assert.Contains("Alerts:WebhookTimeoutSeconds must be between 0.1 and 300, was 0", e.Message);
        // Neither the secret nor the receiver's token in the query reaches the message (it ends up in logs).
        Assert.DoesNotContain("tiny-secret", e.Message);
        Assert.DoesNotContain("receiver-token", e.Message);
    }
}

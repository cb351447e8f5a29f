using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Observability;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// Delivers each alert to every configured webhook as a JSON POST signed with HMAC-SHA256 over
/// <c>"{timestamp}.{body}"</c>. Each webhook has its own bounded queue and delivery loop, so a receiver that is down holds
/// up only its own deliveries, and the live path only ever does a non-blocking enqueue. A failed POST (no connection,
/// timeout, anything but 2xx) is retried with exponential backoff and jitter, up to <see cref="AlertOptions.WebhookMaxAttempts"/>;
/// a full queue drops its oldest delivery. Every outcome is logged and counted. Deliveries live in memory: what is still
/// queued when the process stops is lost (and logged).
/// </summary>
public sealed class WebhookSender : BackgroundService
{
    public const string HttpClientName = "voiceemotion-webhooks";
    public const string IdHeader = "X-VoiceEmotion-Id", EventHeader = "X-VoiceEmotion-Event", AttemptHeader = "X-VoiceEmotion-Attempt",
        TimestampHeader = "X-VoiceEmotion-Timestamp", SignatureHeader = "X-VoiceEmotion-Signature";

    private readonly Target[] _targets;
    private readonly AlertOptions _options;
    private readonly IHttpClientFactory _http;
    private readonly HubMetrics _metrics;
    private readonly ILogger<WebhookSender> _logger;

    private sealed record Target(Uri Url, string Name, byte[] Secret, Channel<Delivery> Queue);

    private sealed record Delivery(string Id, byte[] Body);

    public WebhookSender(IOptions<AlertOptions> options, IHttpClientFactory http, HubMetrics metrics, ILogger<WebhookSender> logger)
    {
        _options = options.Value;
        _http = http;
        _metrics = metrics;
        _logger = logger;
        _targets = _options.Webhooks.Select(w =>
        {
            var url = new Uri(w.Url);
            // Logs and metrics name the target without its query string, which may carry a token of the receiver's.
            var name = url.GetLeftPart(UriPartial.Path);
            var queue = Channel.CreateBounded<Delivery>(
                new BoundedChannelOptions(_options.WebhookQueueLength) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                dropped =>
                {
                    metrics.WebhookDropped(name);
                    logger.LogWarning("Webhook {Target}: queue full ({Length}), alert {AlertId} dropped", name, _options.WebhookQueueLength, dropped.Id);
                });
            return new Target(url, name, Encoding.UTF8.GetBytes(w.Secret), queue);
        }).ToArray();
    }

    /// <summary>Queues an alert for every webhook; never waits.</summary>
    public void Enqueue(AlertMessage alert)
    {
        if (_targets.Length == 0) return;
        var body = JsonSerializer.SerializeToUtf8Bytes(alert, JsonSerializerOptions.Web);
        foreach (var target in _targets) target.Queue.Writer.TryWrite(new Delivery(alert.AlertId, body));
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of <c>"{timestamp}.{body}"</c> under <paramref name="secret"/>.</summary>
    public static string Sign(byte[] secret, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp + "."));
        hmac.AppendData(body);
        return "sha256=" + Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var target in _targets) _logger.LogInformation("Alert webhook: {Target}", target.Name);
        return Task.WhenAll(_targets.Select(t => DeliverAllAsync(t, stoppingToken)));
    }

    private async Task DeliverAllAsync(Target target, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var delivery in target.Queue.Reader.ReadAllAsync(stoppingToken)) await DeliverAsync(target, delivery, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Counted here rather than where the loops end: .NET 10 may never run ExecuteAsync when the host stops right after
    // starting (dotnet/runtime#131249), and alerts queued by then are lost all the same.
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var target in _targets)
            if (target.Queue.Reader.Count > 0)
                _logger.LogWarning("Webhook {Target}: {Count} alert(s) undelivered at shutdown", target.Name, target.Queue.Reader.Count);
    }

    private async Task DeliverAsync(Target target, Delivery delivery, CancellationToken stoppingToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            var failure = await PostAsync(target, delivery, attempt, stoppingToken);
            if (failure is null)
            {
                _metrics.WebhookDelivered(target.Name);
                _logger.LogInformation("Webhook {Target}: alert {AlertId} delivered (attempt {Attempt})", target.Name, delivery.Id, attempt);
                return;
            }
            if (attempt >= _options.WebhookMaxAttempts)
            {
                _metrics.WebhookFailed(target.Name);
                _logger.LogError("Webhook {Target}: alert {AlertId} given up after {Attempts} attempts; last: {Failure}", target.Name, delivery.Id, attempt, failure);
                return;
            }
            var delay = Backoff(attempt);
            _metrics.WebhookRetried(target.Name);
            _logger.LogWarning("Webhook {Target}: alert {AlertId} attempt {Attempt} failed ({Failure}); retrying in {Delay:F1} s",
                target.Name, delivery.Id, attempt, failure, delay.TotalSeconds);
            await Task.Delay(delay, stoppingToken);
        }
    }

    /// <summary>Doubling from the first retry delay up to the cap; the upper half of each is random, so receivers that
    /// come back are not hit by every node at once.</summary>
    private TimeSpan Backoff(int attempt)
    {
        double full = Math.Min(_options.WebhookMaxRetrySeconds, _options.WebhookRetrySeconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromSeconds(full * (0.5 + 0.5 * Random.Shared.NextDouble()));
    }

    /// <summary>One POST; null when the receiver accepted it, otherwise what went wrong.</summary>
    private async Task<string?> PostAsync(Target target, Delivery delivery, int attempt, CancellationToken stoppingToken)
    {
        // Signed per attempt: the timestamp is fresh, so receivers can refuse old (replayed) requests.
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(delivery.Body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add(IdHeader, delivery.Id);
        request.Headers.Add(EventHeader, "alert");
        request.Headers.Add(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Sign(target.Secret, timestamp, delivery.Body));
        try
        {
            using var response = await _http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"no answer within {_options.WebhookTimeoutSeconds} s";
        }
    }
}

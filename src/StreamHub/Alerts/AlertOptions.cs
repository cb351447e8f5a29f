using Microsoft.Extensions.Options;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>Alert rules (configuration section "Alerts"). Default: angry ≥ 0.6 sustained for ≥ 5 s of speech.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>The rules; empty means the default rule (a configured list replaces it: binding appends to a pre-filled list).</summary>
    public List<AlertRule> Rules { get; set; } = [];

    /// <summary>Alerts kept in memory for RecentAlerts.</summary>
    public int KeepRecent { get; set; } = 200;

    /// <summary>URLs that receive each alert as a signed JSON POST (docs/PROTOCOL.md, "Alert webhooks").</summary>
    public List<WebhookTarget> Webhooks { get; set; } = [];

    /// <summary>Deliveries waiting per webhook; when full the oldest waiting one is dropped (and counted).</summary>
    public int WebhookQueueLength { get; set; } = 1000;

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public double WebhookTimeoutSeconds { get; set; } = 10;

    /// <summary>Tries per delivery, the first included; then it is given up (and counted).</summary>
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>Wait before the first retry; it doubles with each further one (with jitter) up to <see cref="WebhookMaxRetrySeconds"/>.</summary>
    public double WebhookRetrySeconds { get; set; } = 1;

    public double WebhookMaxRetrySeconds { get; set; } = 60;
}

/// <summary>One webhook: where alerts go and the secret they are signed with.</summary>
public sealed class WebhookTarget
{
    public string Url { get; set; } = "";

    /// <summary>HMAC-SHA256 key (at least 16 characters), shared with the receiver only.</summary>
    public string Secret { get; set; } = "";
}

/// <summary>Checks the webhook settings at start-up, naming each problem.</summary>
public sealed class AlertOptionsValidator : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var problems = new List<string>();
        for (int i = 0; i < options.Webhooks.Count; i++)
        {
            var hook = options.Webhooks[i];
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                problems.Add($"Alerts:Webhooks:{i}:Url must be an absolute http(s) URL (got '{hook.Url}')");
            if (hook.Secret.Length < 16)
                problems.Add($"Alerts:Webhooks:{i}:Secret must be at least 16 characters (the receiver verifies signatures with it)");
        }
        if (options.WebhookQueueLength < 1) problems.Add("Alerts:WebhookQueueLength must be at least 1");
        if (options.WebhookMaxAttempts < 1) problems.Add("Alerts:WebhookMaxAttempts must be at least 1");
        if (options.WebhookTimeoutSeconds <= 0) problems.Add("Alerts:WebhookTimeoutSeconds must be positive");
        if (options.WebhookRetrySeconds < 0 || options.WebhookMaxRetrySeconds < options.WebhookRetrySeconds)
            problems.Add("Alerts:WebhookRetrySeconds must be ≥ 0 and ≤ Alerts:WebhookMaxRetrySeconds");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Fires when <see cref="Label"/>'s probability stays ≥ <see cref="MinProbability"/> over consecutive speech
/// updates spanning ≥ <see cref="MinSeconds"/>; once per episode (it re-arms when the condition breaks).</summary>
public sealed class AlertRule
{
    public string Name { get; set; } = "angry-sustained";
    public string Label { get; set; } = "angry";
    public float MinProbability { get; set; } = 0.6f;
    public double MinSeconds { get; set; } = 5;
}

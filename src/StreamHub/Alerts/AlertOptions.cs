namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>Alert rules (configuration section "Alerts"). Default: angry ≥ 0.6 sustained for ≥ 5 s of speech.</summary>
public sealed class AlertOptions : IValidatedOptions
{
    public const string Section = "Alerts";

    /// <summary>The rules a new log database is seeded with; empty means the default rule (a configured list replaces it:
    /// binding appends to a pre-filled list). After that the rules live in the log (/api/alert-rules).</summary>
    public List<AlertRule> Rules { get; set; } = [];

    /// <summary>How often a node re-reads the alert rules from a shared (PostgreSQL) log, for edits made on other nodes.</summary>
    public double RulesRefreshSeconds { get; set; } = 5;

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

    public IEnumerable<string?> Problems()
    {
        yield return OptionsValidation.Range($"{Section}:{nameof(KeepRecent)}", KeepRecent, 0, 100_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(RulesRefreshSeconds)}", RulesRefreshSeconds, 0.1, 3600);
        for (int i = 0; i < Rules.Count; i++)
        {
            var rule = Rules[i];
            string key = $"{Section}:{nameof(Rules)}:{i}";
            yield return OptionsValidation.Required($"{key}:{nameof(AlertRule.Name)}", rule.Name);
            if (Pipeline.Inference.EmotionLabels.IndexOf(rule.Label) < 0)
                yield return $"{key}:{nameof(AlertRule.Label)} must be one of {string.Join(", ", Pipeline.Inference.EmotionLabels.All)}, was '{rule.Label}'";
            yield return OptionsValidation.Range($"{key}:{nameof(AlertRule.MinProbability)}", rule.MinProbability, 0, 1);
            yield return OptionsValidation.Range($"{key}:{nameof(AlertRule.MinSeconds)}", rule.MinSeconds, 0, 3600);
        }
        // Neither the secret nor a URL's query (which may hold the receiver's token) is echoed.
        for (int i = 0; i < Webhooks.Count; i++)
        {
            var hook = Webhooks[i];
            string key = $"{Section}:{nameof(Webhooks)}:{i}";
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                yield return $"{key}:{nameof(WebhookTarget.Url)} must be an absolute http(s) URL, was '{WithoutQuery(hook.Url)}'";
            if (hook.Secret.Length < WebhookTarget.MinSecretLength)
                yield return OptionsValidation.Invariant($"{key}:{nameof(WebhookTarget.Secret)} must be at least {WebhookTarget.MinSecretLength} characters, was {hook.Secret.Length}");
        }
        yield return OptionsValidation.Range($"{Section}:{nameof(WebhookQueueLength)}", WebhookQueueLength, 1, 100_000);
        yield return OptionsValidation.Range($"{Section}:{nameof(WebhookTimeoutSeconds)}", WebhookTimeoutSeconds, 0.1, 300);
        yield return OptionsValidation.Range($"{Section}:{nameof(WebhookMaxAttempts)}", WebhookMaxAttempts, 1, 1000);
        yield return OptionsValidation.Range($"{Section}:{nameof(WebhookRetrySeconds)}", WebhookRetrySeconds, 0, 600);
        yield return OptionsValidation.Range($"{Section}:{nameof(WebhookMaxRetrySeconds)}", WebhookMaxRetrySeconds, 0, 3600);
        if (WebhookMaxRetrySeconds < WebhookRetrySeconds)
            yield return OptionsValidation.Invariant($"{Section}:{nameof(WebhookMaxRetrySeconds)} must be at least {Section}:{nameof(WebhookRetrySeconds)} ({WebhookRetrySeconds}), was {WebhookMaxRetrySeconds}");
    }

    private static string WithoutQuery(string url) => url.IndexOf('?') is var q and >= 0 ? url[..q] + "?…" : url;
}

/// <summary>One webhook: where alerts go and the secret they are signed with.</summary>
public sealed class WebhookTarget
{
    public const int MinSecretLength = 16;

    public string Url { get; set; } = "";

    /// <summary>HMAC-SHA256 key (at least 16 characters), shared with the receiver only.</summary>
    public string Secret { get; set; } = "";
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

namespace VoiceEmotion.StreamHub.ScaleOut;

/// <summary>Several nodes behind one address (configuration section "ScaleOut"); docs/DEPLOYMENT.md.</summary>
public sealed class ScaleOutOptions : IValidatedOptions
{
    public const string Section = "ScaleOut";

    /// <summary>StackExchange.Redis configuration string (e.g. "redis1:6379,password=..."); empty = a single node.</summary>
    public string? Redis { get; set; }

    /// <summary>This node's name in the live-session directory (default: host name and process id).</summary>
    public string? NodeName { get; set; }

    /// <summary>How often each node republishes its live sessions; entries expire after three missed rounds.</summary>
    public double PublishSeconds { get; set; } = 1;

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);

    public IEnumerable<string?> Problems()
    {
        yield return OptionsValidation.Range($"{Section}:{nameof(PublishSeconds)}", PublishSeconds, 0.1, 60);
    }
}

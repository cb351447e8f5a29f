namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>Alert rules (configuration section "Alerts"). Default: angry ≥ 0.6 sustained for ≥ 5 s of speech.</summary>
public sealed class AlertOptions : IValidatedOptions
{
    public const string Section = "Alerts";

    /// <summary>The rules; empty means the default rule (a configured list replaces it: binding appends to a pre-filled list).</summary>
    public List<AlertRule> Rules { get; set; } = [];

    /// <summary>Alerts kept in memory for RecentAlerts.</summary>
    public int KeepRecent { get; set; } = 200;

    public IEnumerable<string?> Problems()
    {
        yield return OptionsValidation.Range($"{Section}:{nameof(KeepRecent)}", KeepRecent, 0, 100_000);
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

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>Alert rules (configuration section "Alerts"). Default: angry ≥ 0.6 sustained for ≥ 5 s of speech.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>The rules; empty means the default rule (a configured list replaces it: binding appends to a pre-filled list).</summary>
    public List<AlertRule> Rules { get; set; } = [];

    /// <summary>Alerts kept in memory for RecentAlerts.</summary>
    public int KeepRecent { get; set; } = 200;
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

using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// An alert rule as the log database stores it and /api/alert-rules shows it: fire when <see cref="Emotion"/>'s
/// probability stays ≥ <see cref="Threshold"/> over consecutive speech updates spanning ≥ <see cref="SustainedSeconds"/>,
/// on sessions whose label is <see cref="ScopeLabel"/> and whose queue is <see cref="ScopeQueue"/> (null: any).
/// </summary>
public sealed record AlertRuleRecord(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("emotion")] string Emotion,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("sustainedSeconds")] double SustainedSeconds,
    [property: JsonPropertyName("scopeLabel")] string? ScopeLabel = null,
    [property: JsonPropertyName("scopeQueue")] string? ScopeQueue = null,
    [property: JsonPropertyName("updatedAt")] DateTimeOffset? UpdatedAt = null,
    [property: JsonPropertyName("updatedBy")] string? UpdatedBy = null)
{
    /// <summary>Same rule, whoever saved it when: a session keeps its running episode across a save that changed nothing.</summary>
    public bool SameDefinition(AlertRuleRecord other) =>
        Name == other.Name && Emotion == other.Emotion && Threshold == other.Threshold && SustainedSeconds == other.SustainedSeconds
        && ScopeLabel == other.ScopeLabel && ScopeQueue == other.ScopeQueue;

    /// <summary>Does the rule watch a session with this label and queue? An unscoped rule watches every session.</summary>
    public bool AppliesTo(string? label, string? queue) =>
        (ScopeLabel is null || ScopeLabel == label) && (ScopeQueue is null || ScopeQueue == queue);

    public static AlertRuleRecord From(AlertRule rule) => new(rule.Name, EmotionLabels.All[EmotionLabels.IndexOf(rule.Label)],
        Math.Round(rule.MinProbability, 6), rule.MinSeconds);

    /// <summary>The rules a new log database starts with: the configured <c>Alerts:Rules</c>, or the default rule.</summary>
    public static IReadOnlyList<AlertRuleRecord> Seed(AlertOptions options) =>
        (options.Rules.Count > 0 ? options.Rules : [new AlertRule()]).Select(From).ToList();
}

/// <summary>The body of POST and PUT /api/alert-rules: every field is checked by <see cref="Validate"/>.</summary>
public sealed record AlertRuleInput(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("emotion")] string? Emotion,
    [property: JsonPropertyName("threshold")] double? Threshold,
    [property: JsonPropertyName("sustainedSeconds")] double? SustainedSeconds,
    [property: JsonPropertyName("scopeLabel")] string? ScopeLabel = null,
    [property: JsonPropertyName("scopeQueue")] string? ScopeQueue = null)
{
    public const int MaxNameLength = 64, MaxScopeLength = 200;
    public const double MaxSustainedSeconds = 3600;

    private static readonly Regex NamePattern = new("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);

    private static readonly JsonSerializerOptions Json = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Parses a request body; the error names the field or says what is wrong with the JSON.</summary>
    public static (AlertRuleInput? Input, string? Problem) Parse(string body)
    {
        try
        {
            var input = JsonSerializer.Deserialize<AlertRuleInput>(body, Json);
            return input is null ? (null, "the body must be a JSON object: {name, emotion, threshold, sustainedSeconds, scopeLabel?, scopeQueue?}") : (input, null);
        }
        catch (JsonException e) when (e.Path is { Length: > 2 } path && e.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return (null, $"'{path[2..]}' is not a field of an alert rule (fields: name, emotion, threshold, sustainedSeconds, scopeLabel, scopeQueue)");
        }
        catch (JsonException e) when (e.Path == "$" && e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return (null, "the body must be a JSON object: {name, emotion, threshold, sustainedSeconds, scopeLabel?, scopeQueue?}");
        }
        catch (JsonException e) when (e.Path is { Length: > 2 } path && e.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return (null, $"{path[2..]} has the wrong type (name, emotion, scopeLabel, scopeQueue: strings; threshold, sustainedSeconds: numbers)");
        }
        catch (JsonException)
        {
            return (null, "the body is not valid JSON: expected {name, emotion, threshold, sustainedSeconds, scopeLabel?, scopeQueue?}");
        }
    }

    /// <summary>The rule, or the first problem, naming the field. <paramref name="name"/> is the name from the path of a PUT.</summary>
    public (AlertRuleRecord? Rule, string? Problem) Validate(string? name = null)
    {
        string? n = name ?? Name;
        if (name is not null && Name is not null && Name != name)
            return (null, $"name '{Name}' differs from the rule in the path, '{name}': a rule cannot be renamed (delete it and create another)");
        if (string.IsNullOrWhiteSpace(n)) return (null, "name is required");
        if (n.Length > MaxNameLength || !NamePattern.IsMatch(n))
            return (null, $"name must be 1–{MaxNameLength} letters, digits, '.', '_' or '-' (starting with a letter or digit), was '{Clip(n)}'");
        if (string.IsNullOrWhiteSpace(Emotion)) return (null, $"emotion is required: one of {string.Join(", ", EmotionLabels.All)}");
        if (!EmotionLabels.All.Contains(Emotion)) return (null, $"emotion must be one of {string.Join(", ", EmotionLabels.All)}, was '{Clip(Emotion)}'");
        if (Threshold is not { } threshold) return (null, "threshold is required: the probability, 0–1, the emotion must stay at or above");
        if (!(threshold >= 0 && threshold <= 1)) return (null, $"threshold must be between 0 and 1, was {threshold}");
        if (SustainedSeconds is not { } seconds) return (null, $"sustainedSeconds is required: how long, 0–{MaxSustainedSeconds} s, the emotion must last");
        if (!(seconds >= 0 && seconds <= MaxSustainedSeconds)) return (null, $"sustainedSeconds must be between 0 and {MaxSustainedSeconds}, was {seconds}");
        if (ScopeLabel is { } label && (label.Length == 0 || label.Length > MaxScopeLength))
            return (null, $"scopeLabel must be 1–{MaxScopeLength} characters (or null: every label), was {label.Length}");
        if (ScopeQueue is { } queue && (queue.Length == 0 || queue.Length > MaxScopeLength))
            return (null, $"scopeQueue must be 1–{MaxScopeLength} characters (or null: every queue), was {queue.Length}");
        return (new AlertRuleRecord(n, Emotion, threshold, seconds, ScopeLabel, ScopeQueue), null);
    }

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}

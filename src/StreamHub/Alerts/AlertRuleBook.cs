using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// The alert rules in force on this node, as one immutable snapshot swapped whole: <see cref="AlertEngine"/> reads
/// <see cref="Current"/> on every update, so a change (an edit through /api/alert-rules on this node, or another
/// node's edit found by <see cref="AlertRuleRefresher"/>) applies to live sessions from their next update.
/// </summary>
public sealed class AlertRuleBook
{
    private volatile Snapshot _current;

    public AlertRuleBook(IEnumerable<AlertRuleRecord> rules) => _current = new Snapshot(Compile(rules));

    /// <summary>The rules and their label indexes; a new instance whenever the rules change.</summary>
    public Snapshot Current => _current;

    /// <summary>Puts these rules in force; true when they differ from the ones in force (otherwise nothing changes, and
    /// running episodes go on).</summary>
    public bool Set(IEnumerable<AlertRuleRecord> rules)
    {
        var compiled = Compile(rules);
        var current = _current.Rules;
        if (compiled.Length == current.Length && compiled.Zip(current).All(p => p.First.Rule.SameDefinition(p.Second.Rule))) return false;
        _current = new Snapshot(compiled);
        return true;
    }

    private static (AlertRuleRecord Rule, int Label)[] Compile(IEnumerable<AlertRuleRecord> rules) =>
        rules.OrderBy(r => r.Name, StringComparer.Ordinal).Select(r =>
        {
            int label = EmotionLabels.IndexOf(r.Emotion);
            if (label < 0) throw new InvalidOperationException($"alert rule '{r.Name}' names unknown emotion '{r.Emotion}'");
            return (r, label);
        }).ToArray();

    /// <summary>One version of the rules.</summary>
    public sealed class Snapshot((AlertRuleRecord Rule, int Label)[] rules)
    {
        public (AlertRuleRecord Rule, int Label)[] Rules { get; } = rules;
    }
}

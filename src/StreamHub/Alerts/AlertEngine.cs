using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// Evaluates the alert rules in force (<see cref="AlertRuleBook"/>) on each session's updates, in order. State is per
/// (session, rule): the start and length of the current run of updates meeting the rule, and whether it already fired.
/// When the rules change, a session's state follows from its next update: a rule unchanged keeps its running episode,
/// a new or edited rule starts afresh, a deleted one is dropped. A rule scoped to a label or queue watches only the
/// sessions that have it.
/// </summary>
public sealed class AlertEngine
{
    private readonly AlertRuleBook _rules;
    private readonly ConcurrentDictionary<string, SessionRuns> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AlertMessage> _recent = new();
    private readonly int _keep;
    private const double StepSeconds = 0.5;

    /// <summary>An engine with fixed rules: the configured ones (or the default rule).</summary>
    public AlertEngine(IOptions<AlertOptions> options) : this(options, new AlertRuleBook(AlertRuleRecord.Seed(options.Value)))
    {
    }

    public AlertEngine(IOptions<AlertOptions> options, AlertRuleBook rules)
    {
        _keep = options.Value.KeepRecent;
        _rules = rules;
    }

    /// <summary>The most recent alerts, newest last.</summary>
    public AlertMessage[] Recent => _recent.ToArray(); // a concrete array: MessagePack cannot serialise compiler-made collections

    /// <summary>Feeds one update; returns the alerts it raises (usually none).</summary>
    public IReadOnlyList<AlertMessage> Observe(LiveSession session, EmotionUpdate update)
    {
        var snapshot = _rules.Current;
        var state = _runs.GetOrAdd(session.Id, _ => new SessionRuns(snapshot, new Run[snapshot.Rules.Length]));
        if (state.Rules != snapshot) _runs[session.Id] = state = state.Follow(snapshot);
        var rules = snapshot.Rules;
        var runs = state.Runs;
        List<AlertMessage>? raised = null;
        for (int i = 0; i < rules.Length; i++)
        {
            var (rule, label) = rules[i];
            ref var run = ref runs[i];
            if (!update.Speech || update.Probabilities[label] < rule.Threshold || !rule.AppliesTo(session.Label, session.Queue))
            {
                run = default;
                continue;
            }
            if (run.Count == 0) run.Start = update.AudioTime - StepSeconds; // the run starts with this update's 0.5 s step
            run.Count++;
            run.Sum += update.Probabilities[label];
            double sustained = update.AudioTime - run.Start;
            if (run.Fired || sustained + 1e-9 < rule.SustainedSeconds) continue;
            run.Fired = true;
            var alert = new AlertMessage(Guid.NewGuid().ToString("N"), session.Id, rule.Name, rule.Emotion, run.Start, sustained,
                run.Sum / run.Count, session.Source, session.CallId, session.Track, DateTimeOffset.UtcNow);
            (raised ??= []).Add(alert);
            _recent.Enqueue(alert);
            while (_recent.Count > _keep) _recent.TryDequeue(out _);
        }
        return raised ?? (IReadOnlyList<AlertMessage>)[];
    }

    /// <summary>Forgets a finished session's rule state.</summary>
    public void Forget(string sessionId) => _runs.TryRemove(sessionId, out _);

    /// <summary>One session's runs, one per rule of the snapshot it follows.</summary>
    private sealed record SessionRuns(AlertRuleBook.Snapshot Rules, Run[] Runs)
    {
        /// <summary>The same session under new rules: each rule whose definition is unchanged keeps its run.</summary>
        public SessionRuns Follow(AlertRuleBook.Snapshot next)
        {
            var runs = new Run[next.Rules.Length];
            for (int i = 0; i < runs.Length; i++)
                for (int j = 0; j < Rules.Rules.Length; j++)
                    if (Rules.Rules[j].Rule.SameDefinition(next.Rules[i].Rule)) runs[i] = Runs[j];
            return new SessionRuns(next, runs);
        }
    }

    private struct Run
    {
        public double Start;
        public int Count;
        public double Sum;
        public bool Fired;
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.StreamHub.Contracts;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Alerts;

/// <summary>
/// Evaluates the alert rules on each session's updates, in order. State is per (session, rule): the start and length
/// of the current run of updates meeting the rule, and whether it already fired.
/// </summary>
public sealed class AlertEngine
{
    private readonly IReadOnlyList<(AlertRule Rule, int Label)> _rules;
    private readonly ConcurrentDictionary<string, Run[]> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<AlertMessage> _recent = new();
    private readonly int _keep;
    private const double StepSeconds = 0.5;

    public AlertEngine(IOptions<AlertOptions> options)
    {
        _keep = options.Value.KeepRecent;
        var rules = options.Value.Rules.Count > 0 ? options.Value.Rules : [new AlertRule()];
        _rules = rules.Select(r =>
        {
            int label = EmotionLabels.IndexOf(r.Label);
            if (label < 0) throw new InvalidOperationException($"alert rule '{r.Name}' names unknown label '{r.Label}'");
            return (r, label);
        }).ToList();
    }

    /// <summary>The most recent alerts, newest last.</summary>
    public AlertMessage[] Recent => _recent.ToArray(); // a concrete array: MessagePack cannot serialise compiler-made collections

    /// <summary>Feeds one update; returns the alerts it raises (usually none).</summary>
    public IReadOnlyList<AlertMessage> Observe(LiveSession session, EmotionUpdate update)
    {
        var runs = _runs.GetOrAdd(session.Id, _ => new Run[_rules.Count]);
        List<AlertMessage>? raised = null;
        for (int i = 0; i < _rules.Count; i++)
        {
            var (rule, label) = _rules[i];
            ref var run = ref runs[i];
            if (!update.Speech || update.Probabilities[label] < rule.MinProbability)
            {
                run = default;
                continue;
            }
            if (run.Count == 0) run.Start = update.AudioTime - StepSeconds; // the run starts with this update's 0.5 s step
            run.Count++;
            run.Sum += update.Probabilities[label];
            double sustained = update.AudioTime - run.Start;
            if (run.Fired || sustained + 1e-9 < rule.MinSeconds) continue;
            run.Fired = true;
            var alert = new AlertMessage(Guid.NewGuid().ToString("N"), session.Id, rule.Name, rule.Label, run.Start, sustained,
                run.Sum / run.Count, session.Source, session.CallId, session.Track, DateTimeOffset.UtcNow);
            (raised ??= []).Add(alert);
            _recent.Enqueue(alert);
            while (_recent.Count > _keep) _recent.TryDequeue(out _);
        }
        return raised ?? (IReadOnlyList<AlertMessage>)[];
    }

    /// <summary>Forgets a finished session's rule state.</summary>
    public void Forget(string sessionId) => _runs.TryRemove(sessionId, out _);

    private struct Run
    {
        public double Start;
        public int Count;
        public double Sum;
        public bool Fired;
    }
}

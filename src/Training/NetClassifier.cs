using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>An in-memory ensemble of trained nets as an <see cref="IEmotionClassifier"/> (for cross-validation without export).</summary>
public sealed class NetClassifier : IEmotionClassifier
{
    private readonly IReadOnlyList<EmotionNet> _members;
    private readonly int[] _labelMap;
    private readonly ThreadLocal<EmotionNet.Workspace[]> _workspaces;

    public NetClassifier(IReadOnlyList<EmotionNet> members, IReadOnlyList<string> labels)
    {
        _members = members;
        _labelMap = labels.Select(EmotionLabels.IndexOf).ToArray();
        _workspaces = new ThreadLocal<EmotionNet.Workspace[]>(() => members.Select(m => m.CreateWorkspace()).ToArray());
    }

    public int WindowFrames => _members[0].Config.UseFrames ? _members[0].Config.Frames : 0;

    public bool UsesStats => _members[0].Config.UseStats;

    public void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities)
    {
        var c = _members[0].Config;
        var workspaces = _workspaces.Value!;
        int frameValues = WindowFrames * c.Features;
        probabilities[..(batchSize * EmotionLabels.Count)].Clear();
        for (int b = 0; b < batchSize; b++)
        {
            var f = frameValues > 0 ? frames.Slice(b * frameValues, frameValues) : default;
            var s = UsesStats ? stats.Slice(b * c.Stats, c.Stats) : default;
            for (int m = 0; m < _members.Count; m++)
            {
                _members[m].Forward(workspaces[m], f, s);
                for (int k = 0; k < c.Classes; k++)
                    probabilities[b * EmotionLabels.Count + _labelMap[k]] += workspaces[m].Probabilities[k] / _members.Count;
            }
        }
    }
}

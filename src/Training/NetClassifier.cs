using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>How an ensemble's output is read beyond what its nets compute: the session members' gate
/// (<see cref="EnsembleWeights.Gate"/>), the session-following temperature factor (<see cref="SessionTemperature"/>; null: none) and the CNNs' settled part of the vote (<see cref="EnsembleWeights.CnnPart"/>; null: an equal split).</summary>
public sealed record OutputReading(float Gate, float? IsolatedTemperature, float? SettledCnnShare = null)
{
    /// <summary>How <paramref name="recipe"/> reads its ensemble's output.</summary>
    public static OutputReading Of(TrainingRecipe recipe) => new(EnsembleWeights.Gate(recipe.MemberConfigs()), recipe.IsolatedTemperature, recipe.SettledCnnShare);
}

/// <summary>An in-memory ensemble of trained nets (probabilities combined by <see cref="EnsembleWeights"/>), for cross-validation without export.</summary>
public sealed class NetClassifier : IRawClassifier
{
    private readonly IReadOnlyList<EmotionNet> _members;
    private readonly ThreadLocal<EmotionNet.Workspace[]> _workspaces;

    /// <summary>The members' combined output; <paramref name="reading"/>: read it with another gate or session-following
    /// temperature than the members carry (another recipe's reading of the same nets: <see cref="TrainingRecipe.ReadsSameNets"/>).</summary>
    public NetClassifier(IReadOnlyList<EmotionNet> members, IReadOnlyList<string> labels, OutputReading? reading = null)
    {
        _members = members;
        Labels = labels;
        WindowFrames = members.Where(m => m.Config.UseFrames).Select(m => m.Config.Frames).FirstOrDefault();
        _workspaces = new ThreadLocal<EmotionNet.Workspace[]>(() => members.Select(m => m.CreateWorkspace()).ToArray());
        _configs = [.. members.Select(m => m.Config)];
        _gate = EnsembleWeights.Gate(_configs);
        _isolatedTemperature = members[0].IsolatedTemperature;
        _settledCnnShare = members[0].SettledCnnShare;
        if (reading is not null)
        {
            if ((reading.Gate > 0) != (_gate > 0)) throw new ArgumentException("a reading can change the session members' gate, not whether they vote", nameof(reading));
            (_gate, _isolatedTemperature, _settledCnnShare) = (reading.Gate, reading.IsolatedTemperature, reading.SettledCnnShare);
        }
    }

    private readonly NetConfig[] _configs;
    private readonly float _gate;
    private readonly float? _isolatedTemperature;
    private readonly float? _settledCnnShare;

    public IReadOnlyList<string> Labels { get; }

    /// <summary>Frames per window the members that read frames take (0 when none does).</summary>
    public int WindowFrames { get; }

    public void PredictRaw(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> output)
    {
        var c = _members[0].Config;
        var workspaces = _workspaces.Value!;
        int frameValues = WindowFrames * c.Features, s = FeatureSchema.WindowFeatureCount;
        output[..(batchSize * c.Classes)].Clear();
        Span<float> weights = stackalloc float[_members.Count];
        for (int b = 0; b < batchSize; b++)
        {
            var f = frameValues > 0 ? frames.Slice(b * frameValues, frameValues) : default;
            var st = stats.Slice(b * s, s);
            EnsembleWeights.Fill(_configs, _gate, st[FeatureSchema.SessionWeightIndex], weights, _settledCnnShare);
            for (int m = 0; m < _members.Count; m++)
            {
                _members[m].Forward(workspaces[m], _members[m].Config.UseFrames ? f : default, st);
                for (int k = 0; k < c.Classes; k++) output[b * c.Classes + k] += workspaces[m].Probabilities[k] * weights[m];
            }
        }
        if (_members[0].ClassWeights is { } classWeights) ClassBalance.Apply(classWeights, output, batchSize);
        if (_isolatedTemperature is { } factor)
            for (int b = 0; b < batchSize; b++)
                SessionTemperature.Apply(factor, EnsembleWeights.Share(_gate, stats[b * s + FeatureSchema.SessionWeightIndex]), output.Slice(b * c.Classes, c.Classes));
    }
}

using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>Everything that decides a trained model: architecture, augmentation variants, optimiser settings, ensemble size.</summary>
public sealed record TrainingRecipe
{
    public NetConfig Net { get; init; } = new()
    {
        Features = FeatureSchema.FrameFeatureCount,
        Stats = FeatureSchema.WindowFeatureCount,
        Classes = DatasetLoader.TrainingLabels.Count,
    };

    public TrainOptions Train { get; init; } = new();

    /// <summary>Augmentation variants (indices into <see cref="Augmentation.Names"/>) trained on; 0 = clean.</summary>
    public int[] Variants { get; init; } = [0, 1, 2, 3, 4, 5];

    public int Ensemble { get; init; } = 1;

    public string Describe() =>
        $"net: frames={Net.UseFrames} conv {Net.Channels1}/{Net.Channels2}/{Net.Channels3} stats-branch={Net.StatsHidden} hidden={Net.Hidden} dropout={Net.Dropout}; " +
        $"variants: {string.Join("+", Variants.Select(v => Augmentation.Names[v]))}; epochs {Train.Epochs} x {Train.ExamplesPerEpoch}, batch {Train.BatchSize}, " +
        $"lr {Train.LearningRate}, wd {Train.WeightDecay}, smoothing {Train.LabelSmoothing}; ensemble {Ensemble}; seed {Train.Seed}";

    /// <summary>Trains the ensemble on the given cached clips.</summary>
    public List<EmotionNet> Fit(IReadOnlyList<ClipFeatures> clips, float minVoicedFraction, int updateFrames, Action<double>? progress = null)
    {
        var source = new CropSource(clips, updateFrames, minVoicedFraction);
        var (frameMean, frameScale, statsMean, statsScale) = source.Standardisation();
        var members = new List<EmotionNet>();
        for (int m = 0; m < Ensemble; m++)
        {
            int seed = Seeds.Mix(Train.Seed, m, 99);
            var net = new EmotionNet(Net, seed);
            frameMean.CopyTo(net.FrameMean);
            frameScale.CopyTo(net.FrameScale);
            statsMean.CopyTo(net.StatsMean);
            statsScale.CopyTo(net.StatsScale);
            int member = m;
            var trainer = new Trainer(net, Train with { Seed = seed })
            {
                Progress = progress is null ? null : p => progress((member + p) / Ensemble),
            };
            trainer.Train(source);
            members.Add(net);
        }
        return members;
    }
}

using Microsoft.ML.OnnxRuntime;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Nn;
using VoiceEmotion.Training.Onnx;

namespace VoiceEmotion.Training.Tests.Onnx;

public sealed class OnnxParityTests
{
    private static readonly string[] Labels = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"];

    private static NetConfig Real => new() { Features = FeatureSchema.FrameFeatureCount, Stats = FeatureSchema.WindowFeatureCount, Classes = Labels.Length };

    public static TheoryData<string, int> Cases() => new()
    {
        { "both", 1 }, { "both", 7 }, { "frames-only", 3 }, { "stats-only", 5 }, { "ensemble", 4 },
        { "window-shift", 3 }, { "session-shift", 4 }, { "blend-shift", 4 }, { "cnn-and-stats-only", 3 },
        { "with-session-member", 6 }, { "uneven-patches", 2 }, { "attention", 1 }, { "attention", 5 },
        { "class-weights", 1 }, { "class-weights", 5 }, { "isolated-temperature", 1 }, { "isolated-temperature", 6 },
        { "isolated-temperature-no-session", 3 }, { "settled-cnn-share", 1 }, { "settled-cnn-share", 6 },
        { "shipped", 1 }, { "shipped", 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnnxRuntimeMatchesTheCSharpForwardPass(string variant, int batch)
    {
        var config = variant switch
        {
            "frames-only" => Real with { StatsHidden = 0 },
            "stats-only" => Real with { UseFrames = false },
            "window-shift" => Real with { FrameShift = FrameShift.Window },
            "session-shift" => Real with { FrameShift = FrameShift.Session },
            "blend-shift" => Real with { FrameShift = FrameShift.Blend },
            // conv1 is exported as a product over patches of K1 frames: a window that is not a whole number of patches
            // leaves its last frames out, as the strided convolution does.
            "uneven-patches" => Real with { Frames = 151, Kernel1 = 3, FrameShift = FrameShift.Session },
            "attention" => Real with { FrameShift = FrameShift.Session, Attention = 16 },
            _ => Real,
        };
        var members = Enumerable.Range(0, variant == "ensemble" ? 3 : 1).Select(k => RandomNet(config, seed: 10 + k)).ToList();
        if (variant == "cnn-and-stats-only")
        {
            // The recipe's mixed ensemble: a session-shifted CNN beside a statistics-only MLP, in one graph.
            members = [RandomNet(Real with { FrameShift = FrameShift.Session }, seed: 21), RandomNet(Real with { UseFrames = false }, seed: 22)];
        }
        if (variant == "shipped")
        {
            // The recipe as it ships: a blend-shifted CNN with its statistics branch, a statistics-only and a session
            // member, each with the calibration temperature (exported as its last Gemm's alpha and beta).
            members = [RandomNet(Real with { FrameShift = FrameShift.Blend }, seed: 41), RandomNet(Real with { UseFrames = false }, seed: 42),
                RandomNet(Real with { UseFrames = false, SessionGate = 0.8f }, seed: 43)];
            foreach (var m in members) m.Temperature = 1.45f;
        }
        if (variant is "with-session-member" or "class-weights" or "isolated-temperature" or "settled-cnn-share")
        {
            // The recipe's ensemble with a session member, whose share of the vote is gate × the session weight squared.
            members = [RandomNet(Real with { FrameShift = FrameShift.Session }, seed: 31), RandomNet(Real with { UseFrames = false }, seed: 32),
                RandomNet(Real with { UseFrames = false, SessionGate = 0.8f }, seed: 33)];
        }
        // The output re-weighted for equal product classes (ClassBalance), weights as a RAVDESS-heavy draw gives them.
        float[]? classWeights = variant.StartsWith("class-weights") || variant.StartsWith("isolated-temperature") ? [0.7f, 0.7f, 1.1f, 1.05f, 1.1f, 1.1f, 0.95f, 1.1f] : null;
        // Then sharpened by a temperature that rises from 0.7 to 1 with the session members' share (SessionTemperature);
        // without session members the share is 0 and the factor constant.
        float? isolated = variant.StartsWith("isolated-temperature") ? 0.7f : null;
        // The CNN's part of the rest of the vote moves from one half to 0.35 with w² (EnsembleWeights.CnnPart).
        float? settled = variant is "settled-cnn-share" or "shipped" ? 0.35f : null;
        if (settled is not null) (classWeights, isolated) = ([0.7f, 0.7f, 1.1f, 1.05f, 1.1f, 1.1f, 0.95f, 1.1f], 0.7f);
        foreach (var m in members) (m.ClassWeights, m.IsolatedTemperature, m.SettledCnnShare) = (classWeights, isolated, settled);
        var bytes = OnnxExporter.Export(members, ExportMetadata.Create(Labels, config, "test"));
        using var model = EmotionModel.Load(bytes);
        Assert.Equal(config.UseFrames ? config.Frames : 0, model.WindowFrames);
        Assert.Equal(config.UseStats, model.UsesStats);

        var random = new Random(batch);
        var frames = Enumerable.Range(0, batch * config.Frames * config.Features).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        var stats = Enumerable.Range(0, batch * config.Stats).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        // Session weights as a live session gives them, in [0, 1), one row at 0 (no speech heard yet).
        for (int b = 0; b < batch; b++) stats[(b + 1) * config.Stats - 1] = b == 0 ? 0 : (float)random.NextDouble();
        var onnx = new float[batch * Labels.Length];
        model.PredictRaw(frames, config.UseStats ? stats : [], batch, onnx);

        var workspaces = members.Select(m => m.CreateWorkspace()).ToList();
        for (int b = 0; b < batch; b++)
        {
            var expected = new double[Labels.Length];
            int sessionMembers = members.Count(m => m.Config.IsSessionMember);
            double w = stats[(b + 1) * config.Stats - 1], share = sessionMembers == 0 ? 0 : 0.8 * w * w;
            for (int k = 0; k < members.Count; k++)
            {
                members[k].Forward(workspaces[k], frames.AsSpan(b * config.Frames * config.Features, config.Frames * config.Features), stats.AsSpan(b * config.Stats, config.Stats));
                double part = settled is { } s ? 0.5 + (s - 0.5) * Math.Min(1, w * w) : 0.5;
                double weight = members[k].Config.IsSessionMember ? share / sessionMembers
                    : settled is null ? (1 - share) / (members.Count - sessionMembers)
                    : members[k].Config.UseFrames ? (1 - share) * part : (1 - share) * (1 - part);
                for (int c = 0; c < Labels.Length; c++) expected[c] += workspaces[k].Probabilities[c] * weight;
            }
            if (classWeights is not null)
            {
                for (int c = 0; c < Labels.Length; c++) expected[c] *= classWeights[c];
                double sum = expected.Sum();
                for (int c = 0; c < Labels.Length; c++) expected[c] /= sum;
            }
            if (isolated is { } f)
            {
                double t = f + (1 - f) * share;
                for (int c = 0; c < Labels.Length; c++) expected[c] = Math.Pow(expected[c], 1 / t);
                double sum = expected.Sum();
                for (int c = 0; c < Labels.Length; c++) expected[c] /= sum;
            }
            for (int c = 0; c < Labels.Length; c++)
                Assert.True(Math.Abs(expected[c] - onnx[b * Labels.Length + c]) <= 1e-4, $"row {b} class {c}: C# {expected[c]} vs ONNX {onnx[b * Labels.Length + c]}");
        }

        // The in-memory ensemble cross-validation scores with gives the same rows.
        var inMemory = new float[batch * Labels.Length];
        new NetClassifier(members, Labels).PredictRaw(config.UseFrames ? frames : [], stats, batch, inMemory);
        for (int i = 0; i < inMemory.Length; i++) Assert.True(Math.Abs(inMemory[i] - onnx[i]) <= 1e-4, $"value {i}: NetClassifier {inMemory[i]} vs ONNX {onnx[i]}");

        // Calm is merged into neutral for the product's seven labels.
        var seven = new float[batch * EmotionLabels.Count];
        model.Predict(frames, config.UseStats ? stats : [], batch, seven);
        Assert.Equal(onnx[0] + onnx[1], seven[0], 5);
        Assert.Equal(onnx[2], seven[1], 6);
        Assert.Equal(1f, seven.AsSpan(0, EmotionLabels.Count).ToArray().Sum(), 4);
    }

    [Fact]
    public void StandardisationIsFoldedIntoTheFirstLayersAndStillMatchesAtFeatureLikeOffsets()
    {
        // Features far from zero with small scales (loudness near −50 dB, pitch near 200 Hz) are where a fold's bias
        // term is largest: the folded graph must still give the C# net's probabilities.
        var net = RandomNet(Real, seed: 3);
        var random = new Random(7);
        for (int i = 0; i < net.FrameMean.Length; i++) { net.FrameMean[i] = (float)(random.NextDouble() * 400 - 200); net.FrameScale[i] = 0.01f + (float)random.NextDouble() * 0.05f; }
        for (int i = 0; i < net.StatsMean.Length; i++) { net.StatsMean[i] = (float)(random.NextDouble() * 400 - 200); net.StatsScale[i] = 0.01f + (float)random.NextDouble() * 0.05f; }
        var bytes = OnnxExporter.Export([net], ExportMetadata.Create(Labels, Real, "test"));
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        Assert.DoesNotContain("frames_mean", text);
        Assert.DoesNotContain("stats_scale", text);

        using var model = EmotionModel.Load(bytes);
        const int batch = 3;
        var frames = new float[batch * Real.Frames * Real.Features];
        var stats = new float[batch * Real.Stats];
        for (int i = 0; i < frames.Length; i++) frames[i] = net.FrameMean[i % Real.Features] + (float)(random.NextDouble() * 2 - 1) / net.FrameScale[i % Real.Features];
        for (int i = 0; i < stats.Length; i++) stats[i] = net.StatsMean[i % Real.Stats] + (float)(random.NextDouble() * 2 - 1) / net.StatsScale[i % Real.Stats];
        var onnx = new float[batch * Labels.Length];
        model.PredictRaw(frames, stats, batch, onnx);
        var workspace = net.CreateWorkspace();
        for (int b = 0; b < batch; b++)
        {
            net.Forward(workspace, frames.AsSpan(b * Real.Frames * Real.Features, Real.Frames * Real.Features), stats.AsSpan(b * Real.Stats, Real.Stats));
            for (int c = 0; c < Labels.Length; c++)
                Assert.True(Math.Abs(workspace.Probabilities[c] - onnx[b * Labels.Length + c]) <= 1e-4, $"row {b} class {c}: C# {workspace.Probabilities[c]} vs ONNX {onnx[b * Labels.Length + c]}");
        }
    }

    [Fact]
    public void TheFileOpensInAPlainInferenceSessionWithTheContractNames()
    {
        var bytes = OnnxExporter.Export([RandomNet(Real, 1)], ExportMetadata.Create(Labels, Real, "test"));
        using var session = new InferenceSession(bytes);
        Assert.Equal(["frames", "stats"], session.InputMetadata.Keys.Order().ToArray());
        Assert.Equal(new[] { -1, 300, FeatureSchema.FrameFeatureCount }, session.InputMetadata["frames"].Dimensions);
        Assert.Equal("probabilities", session.OutputMetadata.Keys.Single());
        Assert.Equal(FeatureSchema.Version, session.ModelMetadata.CustomMetadataMap["feature_schema_version"]);
        Assert.True(bytes.Length < 5 * 1024 * 1024);
    }

    [Theory]
    [InlineData("feature_schema_version", "frame-v0", "feature schema 'frame-v0'")]
    [InlineData("frame_feature_count", "12", "frame_feature_count = 12")]
    [InlineData("labels", "neutral,bored,happy,sad,angry,fearful,disgust,surprised", "label 'bored'")]
    public void AMismatchedModelIsRefusedWithTheReason(string key, string value, string words)
    {
        var metadata = ExportMetadata.Create(Labels, Real, "test");
        metadata[key] = value;
        var bytes = OnnxExporter.Export([RandomNet(Real, 1)], metadata);
        var error = Assert.Throws<ModelMetadataException>(() => EmotionModel.Load(bytes));
        Assert.Contains(words, error.Message);
    }

    [Fact]
    public void GarbageIsRefusedAsNotAModel()
    {
        var error = Assert.Throws<ModelMetadataException>(() => EmotionModel.Load(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Contains("not a loadable ONNX model", error.Message);
    }

    internal static EmotionNet RandomNet(NetConfig config, int seed)
    {
        var net = new EmotionNet(config, seed);
        var random = new Random(seed);
        foreach (var name in net.Parameters.Names.Where(n => n.EndsWith(".b", StringComparison.Ordinal)))
        {
            var b = net.Parameters.Get(name);
            for (int i = 0; i < b.Length; i++) b[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
        }
        for (int i = 0; i < net.FrameMean.Length; i++) { net.FrameMean[i] = (float)random.NextDouble(); net.FrameScale[i] = 0.1f + (float)random.NextDouble() * 0.2f; }
        for (int i = 0; i < net.StatsMean.Length; i++) { net.StatsMean[i] = (float)random.NextDouble(); net.StatsScale[i] = 0.1f + (float)random.NextDouble() * 0.2f; }
        return net;
    }
}

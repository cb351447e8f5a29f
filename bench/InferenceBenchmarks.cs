using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Bench;

/// <summary>The bundled model on ONNX Runtime (one intra-op thread, as the service runs it): one window alone,
/// batches of 16 (the median batch at 2,000 calls since the worker wakes on the submitter's thread) and of 32 (the
/// batcher's largest); divide by the batch for the cost per window. VOICEEMOTION_BENCH_MODEL names another model file
/// to measure instead of models/emotion.onnx.</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private EmotionModel _model = null!;
    private float[] _frames = null!, _stats = null!, _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = EmotionModel.Load(ModelPath());
        var random = new Random(1);
        _frames = new float[32 * _model.WindowFrames * FeatureSchema.FrameFeatureCount];
        _stats = new float[32 * FeatureSchema.WindowFeatureCount];
        for (int i = 0; i < _frames.Length; i++) _frames[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < _stats.Length; i++) _stats[i] = (float)(random.NextDouble() * 2 - 1);
        _output = new float[32 * EmotionLabels.Count];
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public void Model_OneWindow() => _model.Predict(_frames, _stats, 1, _output);

    [Benchmark]
    public void Model_Batch16() => _model.Predict(_frames, _stats, 16, _output);

    [Benchmark]
    public void Model_Batch32() => _model.Predict(_frames, _stats, 32, _output);

    /// <summary>VOICEEMOTION_BENCH_MODEL, else the bundled models/emotion.onnx.</summary>
    internal static string ModelPath() =>
        Environment.GetEnvironmentVariable("VOICEEMOTION_BENCH_MODEL") is { Length: > 0 } path ? path : BundledModel();

    private static string BundledModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VoiceEmotion.sln"))) return Path.Combine(dir.FullName, "models", "emotion.onnx");
        throw new InvalidOperationException("repository root (VoiceEmotion.sln) not found above " + AppContext.BaseDirectory);
    }
}

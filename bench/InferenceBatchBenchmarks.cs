using BenchmarkDotNet.Attributes;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Bench;

/// <summary>The bundled model through the path the inference batcher takes (the model's own preallocated batch tensors,
/// <see cref="ClassifierBatch.Run"/>) at every batch size the batcher sees under load: divide by <see cref="Batch"/> for
/// the cost per window. What a larger batch saves per window is what a batcher that gathers windows a little longer
/// would save (docs/PERFORMANCE.md, "Stop 52"). VOICEEMOTION_BENCH_MODEL names another model file.</summary>
[MemoryDiagnoser]
public class InferenceBatchBenchmarks
{
    private EmotionModel _model = null!;
    private ClassifierBatch _batch = null!;
    private float[] _output = null!;

    [Params(1, 2, 4, 8, 16, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = EmotionModel.Load(InferenceBenchmarks.ModelPath());
        _batch = _model.CreateBatch(32);
        var random = new Random(1);
        for (int b = 0; b < 32; b++)
        {
            foreach (ref float v in _batch.Frames(b)) v = (float)(random.NextDouble() * 2 - 1);
            foreach (ref float v in _batch.Stats(b)) v = (float)(random.NextDouble() * 2 - 1);
        }
        _output = new float[32 * EmotionLabels.Count];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batch.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public void Run() => _batch.Run(Batch, _output);
}

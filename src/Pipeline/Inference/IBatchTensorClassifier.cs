namespace VoiceEmotion.Pipeline.Inference;

/// <summary>
/// A classifier that lends the memory its runtime reads, so the batcher writes each window once, straight into the
/// batch input tensor, instead of into a batch array that the classifier copies again (issue #14).
/// </summary>
public interface IBatchTensorClassifier : IEmotionClassifier
{
    /// <summary>Input and output tensors for batches of up to <paramref name="maxBatch"/> windows, for one thread's use.</summary>
    ClassifierBatch CreateBatch(int maxBatch);
}

/// <summary>
/// One worker's preallocated batch: rows are filled in place, then <see cref="Run"/> classifies the first n of them.
/// Not thread-safe; reused for every batch of its owner.
/// </summary>
public abstract class ClassifierBatch : IDisposable
{
    public abstract int MaxBatch { get; }

    /// <summary>Row <paramref name="index"/> of the frames input, [WindowFrames × FrameFeatureCount] (empty when the model reads no frames).</summary>
    public abstract Span<float> Frames(int index);

    /// <summary>Row <paramref name="index"/> of the stats input, [WindowFeatureCount] (empty when the model reads no stats).</summary>
    public abstract Span<float> Stats(int index);

    /// <summary>Classifies rows 0…<paramref name="batchSize"/>−1 into <paramref name="probabilities"/> ([batch × EmotionLabels.Count]).</summary>
    public abstract void Run(int batchSize, Span<float> probabilities);

    public abstract void Dispose();
}

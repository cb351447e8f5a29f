namespace VoiceEmotion.Pipeline.Inference;

/// <summary>
/// Turns window inputs into probabilities over <see cref="EmotionLabels.All"/>.
/// Implemented by the ONNX-backed <c>EmotionModel</c>; the streaming pipeline depends only on this.
/// </summary>
public interface IEmotionClassifier
{
    /// <summary>Frames per window the classifier reads from the <c>frames</c> input (0 when it reads none).</summary>
    int WindowFrames { get; }

    /// <summary>True when the classifier reads the window statistics vector.</summary>
    bool UsesStats { get; }

    /// <summary>
    /// Classifies <paramref name="batchSize"/> windows. <paramref name="frames"/> is [batch × WindowFrames × FrameFeatureCount]
    /// (empty when WindowFrames is 0); <paramref name="stats"/> is [batch × WindowFeatureCount] (empty when !UsesStats);
    /// <paramref name="probabilities"/> receives [batch × EmotionLabels.Count], each row summing to 1.
    /// Thread-safe: the streaming batcher may call it from several threads.
    /// </summary>
    void Predict(ReadOnlySpan<float> frames, ReadOnlySpan<float> stats, int batchSize, Span<float> probabilities);
}

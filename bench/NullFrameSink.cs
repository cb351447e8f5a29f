using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Bench;

/// <summary>Takes frames and drops them: what a benchmark of the feature extractor alone hands it.</summary>
internal sealed class NullFrameSink : IFrameSink
{
    public void OnFrame(ReadOnlySpan<float> frame) { }
}

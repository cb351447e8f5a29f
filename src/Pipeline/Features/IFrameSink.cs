namespace VoiceEmotion.Pipeline.Features;

/// <summary>Receives each frame-feature vector as soon as its frame is complete.</summary>
public interface IFrameSink
{
    /// <summary>The vector is only valid during the call; copy what you keep.</summary>
    void OnFrame(ReadOnlySpan<float> frame);
}

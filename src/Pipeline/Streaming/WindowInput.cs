using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// One update step waiting for the model: the window's frames and statistics plus what the update reports besides
/// probabilities. Buffers are reused: an instance belongs to its session until <see cref="StreamAnalyzer.Complete"/>.
/// </summary>
public sealed class WindowInput
{
    internal WindowInput(int windowFrames)
    {
        Frames = new float[windowFrames * FeatureSchema.FrameFeatureCount];
        Stats = new float[FeatureSchema.WindowFeatureCount];
    }

    public int Seq { get; internal set; }
    public double AudioTime { get; internal set; }
    public double WindowSeconds { get; internal set; }
    public bool Speech { get; internal set; }
    /// <summary>The window was taken in a pause after its utterance (<see cref="WindowStatistics.InPause"/>).</summary>
    public bool InPause { get; internal set; }
    /// <summary>The window was folded into the session baseline (a speech window not more than one update step into a
    /// pause: <see cref="SpeakerBaseline.Folds"/>).</summary>
    public bool FoldedIntoBaseline { get; internal set; }
    public float VoicedFraction { get; internal set; }
    public float LoudnessDb { get; internal set; }
    public float PitchHz { get; internal set; }

    /// <summary>[WindowFrames × FrameFeatureCount], oldest frame first, short windows tiled.</summary>
    public float[] Frames { get; }

    /// <summary>Window statistics, <see cref="FeatureSchema.WindowFeatureNames"/> order.</summary>
    public float[] Stats { get; }
}

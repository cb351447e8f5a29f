using System.Text.Json.Serialization;

namespace VoiceEmotion.Training.Nn;

/// <summary>
/// Shape of <see cref="EmotionNet"/>: a 1-D CNN over the window's frame features (time course) with statistics
/// pooling, optionally joined by a dense branch over the window statistics, then a small classifier head.
/// </summary>
public sealed record NetConfig
{
    public int Frames { get; init; } = 300;
    public int Features { get; init; } = 81;
    public int Stats { get; init; } = 225;
    public int Classes { get; init; } = 8;

    /// <summary>First conv: non-overlapping patches of <see cref="Kernel1"/> frames (stride = kernel).</summary>
    public int Channels1 { get; init; } = 48;
    public int Kernel1 { get; init; } = 4;
    public int Channels2 { get; init; } = 64;
    public int Kernel2 { get; init; } = 3;
    public int Channels3 { get; init; } = 64;
    public int Kernel3 { get; init; } = 3;
    public int Dilation3 { get; init; } = 2;

    /// <summary>
    /// Above 0: attentive statistics pooling over conv3's output, with a scoring layer of this width — each time step gets
    /// a weight softmax_t(v · tanh(W a_t + b)) and the pooled mean ‖ std are weighted by it, so the network can lean on
    /// the steps that carry the emotion (voiced speech, the target voice under babble) instead of every step alike.
    /// 0 (shipped): plain mean ‖ std over time. Left out of the JSON at 0, so cross-validations saved before it keep
    /// their fingerprint (<see cref="Training.FoldCheckpoints"/>).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Attention { get; init; }

    [JsonIgnore]
    public bool UsesAttention => UseFrames && Attention > 0;

    /// <summary>Width of the dense layer over the window statistics; 0 disables the stats branch.</summary>
    public int StatsHidden { get; init; } = 64;
    public int Hidden { get; init; } = 128;
    public float Dropout { get; init; } = 0.3f;

    /// <summary>0 disables the frame (CNN) branch: an MLP over window statistics only.</summary>
    public bool UseFrames { get; init; } = true;

    /// <summary>What is subtracted from every frame before the convolutions (see <see cref="FrameShift"/>).</summary>
    public FrameShift FrameShift { get; init; } = FrameShift.None;

    /// <summary>
    /// Above 0: a session member. It reads only the session block of the statistics (the window relative to the
    /// session's baseline, and the baseline's weight w; its absolute statistics are standardised with scale 0), so it
    /// cannot lean on a corpus's or a speaker's absolute levels, and in the ensemble it takes the share
    /// <c>SessionGate · w²</c> of the probabilities (<see cref="EnsembleWeights"/>): nothing before the session has heard
    /// speech, most of the vote in a long call.
    /// </summary>
    public float SessionGate { get; init; }

    public bool IsSessionMember => SessionGate > 0;

    public bool UseStats => StatsHidden > 0;

    public int Time1 => (Frames - Kernel1) / Kernel1 + 1;

    public int Pad2 => Kernel2 / 2;

    public int Pad3 => Dilation3 * (Kernel3 / 2);

    public int PooledWidth => UseFrames ? 2 * Channels3 : 0;

    public int JoinWidth => PooledWidth + (UseStats ? StatsHidden : 0);
}

/// <summary>
/// A per-window vector subtracted from every frame of the frames input before the convolutions, computed from the
/// statistics input (so the exported graph needs no other input): none; the window's own mean of each frame feature
/// (the convolutions see only the course within the window, its level stays in the statistics branch); or the
/// session baseline's mean of each frame feature scaled by the baseline weight (frames relative to the speaker's usual
/// voice once the session has heard enough of it); or the two blended by that weight, (1 − w) · window means + w ·
/// baseline means, so the frames are relative to something at every weight (the window at a session's start or in an
/// isolated clip, the speaker's baseline once it has weight) and never carry the absolute level of a voice or studio.
/// </summary>
public enum FrameShift
{
    None,
    Window,
    Session,
    Blend,
}

using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// One update step waiting for the model: the window's frames and statistics plus what the update reports besides
/// probabilities. Buffers are reused: an instance belongs to its session until <see cref="StreamAnalyzer.Complete"/>.
/// <para>
/// The frames of the newest window stay in the session's ring (<see cref="WindowStatistics"/>) until the ring is about
/// to change: the model's worker copies them from there straight into its batch tensor (<see cref="CopyFramesTo"/>),
/// so a live window is written once on its way to the model instead of twice (97 KB each; the copies were 7 % of the
/// hub at 2,000 calls). The session copies them into <see cref="Frames"/> first only if it goes on before the model has
/// read them (an upload's next piece, the end of a session); a lock makes the two copies exclusive.
/// </para>
/// </summary>
public sealed class WindowInput
{
    private readonly float[] _frames;
    private readonly Lock _gate = new();
    // Where the frames still are, or null once they are in _frames.
    private WindowStatistics? _source;

    internal WindowInput(int windowFrames)
    {
        _frames = new float[windowFrames * FeatureSchema.FrameFeatureCount];
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

    /// <summary>[WindowFrames × FrameFeatureCount], oldest frame first, short windows tiled (copied out of the session's
    /// ring on first read if they are still there).</summary>
    public float[] Frames
    {
        get
        {
            Materialize();
            return _frames;
        }
    }

    /// <summary>Values in <see cref="Frames"/>: WindowFrames × FrameFeatureCount.</summary>
    internal int FrameValues => _frames.Length;

    /// <summary>The frames are <paramref name="ring"/>'s newest ones, to be read from there until it changes.</summary>
    internal void Defer(WindowStatistics ring)
    {
        lock (_gate) _source = ring;
    }

    /// <summary>Before the ring changes: the frames into this window's own buffer, if they are still in the ring.</summary>
    internal void Materialize()
    {
        lock (_gate)
        {
            if (_source is null) return;
            _source.CopyFrames(_frames, _frames.Length / FeatureSchema.FrameFeatureCount);
            _source = null;
        }
    }

    /// <summary>Writes the frames into <paramref name="destination"/> (<see cref="FrameValues"/> long), from wherever they
    /// are: the model's one copy of a live window.</summary>
    public void CopyFramesTo(Span<float> destination)
    {
        lock (_gate)
        {
            if (_source is not null) _source.CopyFrames(destination, _frames.Length / FeatureSchema.FrameFeatureCount);
            else _frames.CopyTo(destination);
        }
    }

    /// <summary>Window statistics, <see cref="FeatureSchema.WindowFeatureNames"/> order.</summary>
    public float[] Stats { get; }
}

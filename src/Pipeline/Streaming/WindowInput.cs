using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// One update step waiting for the model: the window's frames and statistics plus what the update reports besides
/// probabilities. Buffers are reused: an instance belongs to its session until <see cref="StreamAnalyzer.Complete"/>.
/// <para>
/// A live window's frames are written once on their way to the model: they stay in the session's ring
/// (<see cref="WindowStatistics"/>) and the model's worker copies them from there straight into its batch tensor
/// (<see cref="CopyFramesTo"/>). The ring keeps moving meanwhile — a window is made 15 ms into a chunk and the rest of
/// the chunk follows — so just before the ring overwrites one of the window's frames, the session saves that frame into
/// <see cref="Frames"/> (<see cref="BeforeRingWrite"/>): a 250 ms chunk saves about 10 of 300 frames, and the worker reads
/// the saved ones from here and the rest from the ring. A restart of the ring (a new utterance) or the session's end
/// saves all of them. One lock per window makes the session's saves and the worker's read exclusive. (Copied whole
/// twice, the windows were 7 % of the hub at 2,000 calls.)
/// </para>
/// </summary>
public sealed class WindowInput
{
    private static readonly int F = FeatureSchema.FrameFeatureCount;
    private readonly float[] _frames;
    private readonly Lock _gate = new();
    // While frames are still in the ring: the ring, the slot of the window's oldest frame, how many frames the window
    // holds, and how many of them (oldest first) are saved in _frames. Null once all are in _frames, tiled.
    private WindowStatistics? _source;
    private int _start, _rows, _saved;

    internal WindowInput(int windowFrames)
    {
        _frames = new float[windowFrames * F];
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
    /// ring on first read if they are still there). Valid until the window is completed (<see cref="StreamAnalyzer.Complete"/>).</summary>
    public float[] Frames
    {
        get
        {
            Materialize();
            return _frames;
        }
    }

    /// <summary>Window statistics, <see cref="FeatureSchema.WindowFeatureNames"/> order.</summary>
    public float[] Stats { get; }

    /// <summary>Values in <see cref="Frames"/>: WindowFrames × FrameFeatureCount.</summary>
    internal int FrameValues => _frames.Length;

    private int WindowFrames => _frames.Length / F;

    /// <summary>The window's frames are <paramref name="ring"/>'s current window (the same length as this one), to be
    /// read from there until the ring overwrites them.</summary>
    internal void Defer(WindowStatistics ring)
    {
        if (ring.WindowFrames != WindowFrames) throw new ArgumentException($"a ring of {ring.WindowFrames} frames for a window of {WindowFrames}", nameof(ring));
        lock (_gate)
        {
            _source = ring;
            _start = ring.OldestSlot;
            _rows = ring.Count;
            _saved = 0;
            if (_rows == 0) Settle();
        }
    }

    /// <summary>Call before the ring takes <paramref name="frame"/>: saves the frame of this window that it would
    /// overwrite (or every frame, if it restarts the ring). False once nothing of the window is left in the ring.</summary>
    internal bool BeforeRingWrite(ReadOnlySpan<float> frame)
    {
        lock (_gate)
        {
            if (_source is null) return false;
            int slot = _source.SlotFor(frame);
            // The ring writes its slots in turn, so the frames it overwrites are the window's oldest unsaved ones, in order.
            if (slot < 0) Save(_rows);
            else if (_saved < _rows && (slot - _start + WindowFrames) % WindowFrames == _saved) Save(_saved + 1);
            if (_saved < _rows) return true;
            Settle();
            return false;
        }
    }

    /// <summary>Before the ring changes in any other way (the session ends): every frame into this window's own buffer.</summary>
    internal void Materialize()
    {
        lock (_gate)
        {
            if (_source is null) return;
            Save(_rows);
            Settle();
        }
    }

    /// <summary>The window is completed (the model has read it): it lets go of the ring without copying what is left
    /// there, so a window in a pool never points at a ring that another session may have by then.</summary>
    internal void Detach()
    {
        lock (_gate) _source = null;
    }

    /// <summary>Writes the frames into <paramref name="destination"/> (<see cref="FrameValues"/> long), from wherever they
    /// are: the model's one copy of a live window.</summary>
    public void CopyFramesTo(Span<float> destination)
    {
        destination = destination[.._frames.Length];
        lock (_gate)
        {
            if (_source is null)
            {
                _frames.CopyTo(destination);
                return;
            }
            _frames.AsSpan(0, _saved * F).CopyTo(destination);
            // The unsaved frames are contiguous in the ring but for one wrap.
            int first = (_start + _saved) % WindowFrames, rows = _rows - _saved;
            int firstRun = Math.Min(rows, WindowFrames - first);
            _source.Slots(first, firstRun).CopyTo(destination[(_saved * F)..]);
            _source.Slots(0, rows - firstRun).CopyTo(destination[((_saved + firstRun) * F)..]);
            Tile(destination, _rows);
        }
    }

    // Frames [_saved, upTo) from the ring into _frames.
    private void Save(int upTo)
    {
        for (; _saved < upTo; _saved++) _source!.Slots((_start + _saved) % WindowFrames, 1).CopyTo(_frames.AsSpan(_saved * F, F));
    }

    // All frames are saved: the short-window tiling, and the ring is let go.
    private void Settle()
    {
        Tile(_frames, _rows);
        _source = null;
    }

    /// <summary>A window of fewer frames than its length repeats them from the start (none: zeros), as
    /// <see cref="WindowStatistics.CopyFrames"/> does.</summary>
    private static void Tile(Span<float> frames, int rows)
    {
        if (rows == 0)
        {
            frames.Clear();
            return;
        }
        int length = frames.Length / F;
        for (int r = rows; r < length; r += rows)
        {
            int n = Math.Min(rows, length - r);
            frames[..(n * F)].CopyTo(frames.Slice(r * F, n * F));
        }
    }
}

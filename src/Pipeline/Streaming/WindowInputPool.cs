using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// Spare <see cref="WindowInput"/>s of sessions that have ended, for the sessions that start next. A window's frames
/// are ≈ 97 KB (300 × 81 floats), a large-object-heap array: without this, every call start allocated one or two of them
/// and every call end left them to a full (gen 2) collection — at 2,000 calls starting together ≈ 0.4 GB at once, and a
/// steady churn of them on a busy hub. Bounded (<see cref="Capacity"/> windows, ≈ 0.2 GB at most); beyond it, windows
/// are left to the GC as before. Thread-safe; taken only at a session's first updates and given back at its end.
/// </summary>
public sealed class WindowInputPool(int capacity = WindowInputPool.DefaultCapacity)
{
    public const int DefaultCapacity = 2048;

    /// <summary>The pool every session of the process shares.</summary>
    public static WindowInputPool Shared { get; } = new();

    private readonly Stack<WindowInput> _spare = new();

    public int Capacity { get; } = capacity;

    /// <summary>Windows waiting to be reused.</summary>
    public int Count
    {
        get
        {
            lock (_spare) return _spare.Count;
        }
    }

    /// <summary>A window of <paramref name="windowFrames"/> frames: a spare one when there is one of that size, else new.
    /// Its contents are the last session's until the analyzer fills it.</summary>
    public WindowInput Rent(int windowFrames)
    {
        lock (_spare)
            if (_spare.TryPeek(out var w) && w.Frames.Length == windowFrames * FeatureSchema.FrameFeatureCount)
                return _spare.Pop();
        return new WindowInput(windowFrames);
    }

    /// <summary>Takes every window in <paramref name="windows"/> (emptying it) that the pool has room for. The caller
    /// must hold no other reference to them: no window of an ended session may still be with the model.</summary>
    public void Return(Stack<WindowInput> windows)
    {
        lock (_spare)
            while (windows.TryPop(out var w))
                if (_spare.Count < Capacity) _spare.Push(w);
    }
}

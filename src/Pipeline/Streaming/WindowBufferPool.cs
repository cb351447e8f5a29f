using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// The large buffers of sessions that have ended, for the sessions that start next: spare <see cref="WindowInput"/>s
/// and <see cref="WindowStatistics"/> (each holds a 300 × 81-float window, ≈ 97 KB, a large-object-heap array). Without
/// this every call start allocated two or three of them and every call end left them to a full (gen 2) collection — at
/// 2,000 calls starting together ≈ 0.6 GB at once, and a steady churn of them on a busy hub. Bounded (<see cref="Capacity"/>
/// of each kind, ≈ 0.4 GB at most); beyond it buffers are left to the GC as before. Thread-safe; used only at a
/// session's start and end.
/// </summary>
public sealed class WindowBufferPool(int capacity = WindowBufferPool.DefaultCapacity)
{
    public const int DefaultCapacity = 2048;

    /// <summary>The pool every session of the process shares.</summary>
    public static WindowBufferPool Shared { get; } = new();

    // One lock for both stacks: taken only at a session's start and end.
    private readonly Lock _gate = new();
    private readonly Stack<WindowInput> _inputs = new();
    private readonly Stack<WindowStatistics> _statistics = new();

    /// <summary>How many of each kind the pool keeps at most.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Spare windows and spare window statistics waiting to be reused.</summary>
    public (int Inputs, int Statistics) Count
    {
        get
        {
            lock (_gate) return (_inputs.Count, _statistics.Count);
        }
    }

    /// <summary>A window of <paramref name="windowFrames"/> frames: a spare one when there is one of that size, else new.
    /// Its contents are the last session's until the analyzer fills it.</summary>
    public WindowInput RentInput(int windowFrames)
    {
        lock (_gate)
            if (_inputs.TryPeek(out var w) && w.FrameValues == windowFrames * FeatureSchema.FrameFeatureCount)
                return _inputs.Pop();
        return new WindowInput(windowFrames);
    }

    /// <summary>Empty window statistics over <paramref name="windowFrames"/> frames: a spare one (reset when it was
    /// returned, so it is as a new one) when there is one of that size, else new.</summary>
    public WindowStatistics RentStatistics(int windowFrames)
    {
        lock (_gate)
            if (_statistics.TryPeek(out var s) && s.WindowFrames == windowFrames)
                return _statistics.Pop();
        return new WindowStatistics(windowFrames);
    }

    /// <summary>Takes every window in <paramref name="windows"/> (emptying it) that the pool has room for. The caller
    /// must hold no other reference to them: no window of an ended session may still be with the model.</summary>
    public void Return(Stack<WindowInput> windows)
    {
        lock (_gate)
            while (windows.TryPop(out var w))
                if (_inputs.Count < Capacity) _inputs.Push(w);
    }

    /// <summary>Takes <paramref name="statistics"/>, reset, if there is room. The caller must not use it again.</summary>
    public void Return(WindowStatistics statistics)
    {
        statistics.Reset();
        lock (_gate)
            if (_statistics.Count < Capacity) _statistics.Push(statistics);
    }
}

using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>
/// The large buffers of sessions that have ended, for the sessions that start next: spare <see cref="WindowInput"/>s
/// and <see cref="WindowStatistics"/> (each holds a 300 × 81-float window, ≈ 97 KB, a large-object-heap array). Without
/// this every call start allocated two or three of them and every call end left them to a full (gen 2) collection — at
/// 2,000 calls starting together ≈ 0.6 GB at once, and a steady churn of them on a busy hub. Also spare
/// <see cref="FrameFeatureExtractor"/>s (≈ 37 KB of small arrays each, reset when returned): 2,000 calls starting
/// together allocated ≈ 75 MB of them, which the next young collection had to copy (a pause of 50–90 ms at the start
/// of a load run). Bounded (<see cref="Capacity"/> of each kind, ≈ 0.5 GB at most); beyond it buffers are left to the
/// GC as before. Thread-safe; used only at a session's start and end.
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
    private readonly Stack<FrameFeatureExtractor> _extractors = new();

    // Rents the pool could not serve (a new buffer allocated) and returns it had no room for (left to the GC), by kind.
    private long _allocatedInputs, _allocatedStatistics, _allocatedExtractors, _discardedInputs, _discardedStatistics, _discardedExtractors;

    /// <summary>Rents that allocated a new buffer because no spare one was waiting (each a large-object-heap array).</summary>
    public (long Inputs, long Statistics) Allocated => (Interlocked.Read(ref _allocatedInputs), Interlocked.Read(ref _allocatedStatistics));

    /// <summary>Buffers given back when the pool was full, left to the GC (a full collection's work).</summary>
    public (long Inputs, long Statistics) Discarded => (Interlocked.Read(ref _discardedInputs), Interlocked.Read(ref _discardedStatistics));

    /// <summary>Feature extractors: spare ones waiting, rents that made a new one, returns left to the GC.</summary>
    public (int Spare, long Allocated, long Discarded) Extractors
    {
        get
        {
            lock (_gate) return (_extractors.Count, _allocatedExtractors, _discardedExtractors);
        }
    }

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
        Interlocked.Increment(ref _allocatedInputs);
        return new WindowInput(windowFrames);
    }

    /// <summary>Empty window statistics over <paramref name="windowFrames"/> frames: a spare one (reset when it was
    /// returned, so it is as a new one) when there is one of that size, else new.</summary>
    public WindowStatistics RentStatistics(int windowFrames)
    {
        lock (_gate)
            if (_statistics.TryPeek(out var s) && s.WindowFrames == windowFrames)
                return _statistics.Pop();
        Interlocked.Increment(ref _allocatedStatistics);
        return new WindowStatistics(windowFrames);
    }

    /// <summary>A frame feature extractor as new (a spare one was reset when it was returned), else a new one.</summary>
    public FrameFeatureExtractor RentExtractor()
    {
        lock (_gate)
            if (_extractors.TryPop(out var e))
                return e;
        Interlocked.Increment(ref _allocatedExtractors);
        return new FrameFeatureExtractor();
    }

    /// <summary>Takes <paramref name="extractor"/>, reset, if there is room; one that hears a formant warp (training's) is
    /// never kept. The caller must not use it again.</summary>
    public void Return(FrameFeatureExtractor extractor)
    {
        if (extractor.HearsWarp) return;
        extractor.Reset();
        lock (_gate)
            if (_extractors.Count < Capacity) _extractors.Push(extractor);
            else _discardedExtractors++;
    }

    /// <summary>Takes every window in <paramref name="windows"/> (emptying it) that the pool has room for. The caller
    /// must hold no other reference to them: no window of an ended session may still be with the model.</summary>
    public void Return(Stack<WindowInput> windows)
    {
        lock (_gate)
            while (windows.TryPop(out var w))
                if (_inputs.Count < Capacity) _inputs.Push(w);
                else _discardedInputs++;
    }

    /// <summary>Takes <paramref name="statistics"/>, reset, if there is room. The caller must not use it again.</summary>
    public void Return(WindowStatistics statistics)
    {
        statistics.Reset();
        lock (_gate)
            if (_statistics.Count < Capacity) _statistics.Push(statistics);
            else _discardedStatistics++;
    }
}

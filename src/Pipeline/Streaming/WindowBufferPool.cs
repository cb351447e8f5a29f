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

    private readonly Shelf<WindowInput> _inputs = new(capacity);
    private readonly Shelf<WindowStatistics> _statistics = new(capacity);
    private readonly Shelf<FrameFeatureExtractor> _extractors = new(capacity);

    /// <summary>Rents that allocated a new buffer because no spare one was waiting (each a large-object-heap array).</summary>
    public (long Inputs, long Statistics) Allocated => (_inputs.Allocated, _statistics.Allocated);

    /// <summary>Buffers given back when the pool was full, left to the GC (a full collection's work).</summary>
    public (long Inputs, long Statistics) Discarded => (_inputs.Discarded, _statistics.Discarded);

    /// <summary>Feature extractors: spare ones waiting, rents that made a new one, returns left to the GC.</summary>
    public (int Spare, long Allocated, long Discarded) Extractors => (_extractors.Spare, _extractors.Allocated, _extractors.Discarded);

    /// <summary>How many of each kind the pool keeps at most.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Spare windows and spare window statistics waiting to be reused.</summary>
    public (int Inputs, int Statistics) Count => (_inputs.Spare, _statistics.Spare);

    /// <summary>A window of <paramref name="windowFrames"/> frames: a spare one when there is one of that size, else new.
    /// Its contents are the last session's until the analyzer fills it.</summary>
    public WindowInput RentInput(int windowFrames) =>
        _inputs.TryTake(windowFrames, static (w, n) => w.FrameValues == n * FeatureSchema.FrameFeatureCount, out var w)
            ? w : _inputs.Made(new WindowInput(windowFrames));

    /// <summary>Empty window statistics over <paramref name="windowFrames"/> frames: a spare one (reset when it was
    /// returned, so it is as a new one) when there is one of that size, else new.</summary>
    public WindowStatistics RentStatistics(int windowFrames) =>
        _statistics.TryTake(windowFrames, static (s, n) => s.WindowFrames == n, out var s)
            ? s : _statistics.Made(new WindowStatistics(windowFrames));

    /// <summary>A frame feature extractor as new (a spare one was reset when it was returned), else a new one.</summary>
    public FrameFeatureExtractor RentExtractor() =>
        _extractors.TryTake(0, static (_, _) => true, out var e) ? e : _extractors.Made(new FrameFeatureExtractor());

    /// <summary>Takes <paramref name="extractor"/>, reset, if there is room; one that hears a formant warp (training's) is
    /// never kept. The caller must not use it again.</summary>
    public void Return(FrameFeatureExtractor extractor)
    {
        if (extractor.HearsWarp) return;
        extractor.Reset();
        _extractors.Put(extractor);
    }

    /// <summary>Takes every window in <paramref name="windows"/> (emptying it) that the pool has room for. The caller
    /// must hold no other reference to them: no window of an ended session may still be with the model.</summary>
    public void Return(Stack<WindowInput> windows)
    {
        while (windows.TryPop(out var w)) _inputs.Put(w);
    }

    /// <summary>Takes <paramref name="statistics"/>, reset, if there is room. The caller must not use it again.</summary>
    public void Return(WindowStatistics statistics)
    {
        statistics.Reset();
        _statistics.Put(statistics);
    }

    /// <summary>One kind of buffer: the spare ones (at most the capacity), rents that had to make a new one, and returns
    /// left to the GC because the shelf was full. Its lock is taken only at a session's start and end.</summary>
    private sealed class Shelf<T>(int capacity) where T : class
    {
        private readonly Lock _gate = new();
        private readonly Stack<T> _spare = new();
        private long _allocated, _discarded;

        public int Spare { get { lock (_gate) return _spare.Count; } }
        public long Allocated { get { lock (_gate) return _allocated; } }
        public long Discarded { get { lock (_gate) return _discarded; } }

        /// <summary>The newest spare one if <paramref name="fits"/> says it is of the size asked.</summary>
        public bool TryTake<TArg>(TArg arg, Func<T, TArg, bool> fits, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T item)
        {
            lock (_gate)
            {
                if (_spare.TryPeek(out item) && fits(item, arg))
                {
                    _spare.Pop();
                    return true;
                }
            }
            item = null;
            return false;
        }

        /// <summary>Counts <paramref name="item"/> as made because none was spare, and returns it.</summary>
        public T Made(T item)
        {
            lock (_gate) _allocated++;
            return item;
        }

        public void Put(T item)
        {
            lock (_gate)
                if (_spare.Count < capacity) _spare.Push(item);
                else _discarded++;
        }
    }
}

using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace VoiceEmotion.Pipeline.Features;

/// <summary>
/// Functionals over the last W frames (default 3 s). Push is O(F): running sums for mean/std of every feature and
/// for the voiced-only pitch statistics (re-summed exactly from the ring once per W pushes to bound float drift).
/// Order statistics, slopes and rhythm measures are computed by one scan of the ring in <see cref="Compute"/>, which
/// the streaming pipeline calls every 50 frames. The window restarts at a new utterance: a voiced frame after a pause
/// of <see cref="FeatureSchema.PauseResetFrames"/> unvoiced frames drops everything before it, so the window holds
/// the current utterance, at most its last W frames. See docs/ARCHITECTURE.md for the list.
/// </summary>
public sealed class WindowStatistics
{
    private const float PauseBelowPeakDb = 30f;

    private static readonly int F = FeatureSchema.FrameFeatureCount;

    private readonly float[] _ring;
    private readonly double[] _sum, _sumSquares;
    private readonly float[] _column, _scratch, _times;
    private int _next, _sinceResum;
    private int _voicedCount, _unvoicedRun;
    private double _voicedSemitoneSum, _voicedSemitoneSquares, _voicedHnr, _voicedJitter, _voicedShimmer, _voicedDb;

    public WindowStatistics(int windowFrames = FeatureSchema.DefaultWindowFrames)
    {
        if (windowFrames < 2) throw new ArgumentOutOfRangeException(nameof(windowFrames), "a window needs at least 2 frames");
        WindowFrames = windowFrames;
        _ring = new float[windowFrames * F];
        _sum = new double[F];
        _sumSquares = new double[F];
        _column = new float[windowFrames];
        _scratch = new float[windowFrames];
        _times = new float[windowFrames];
        for (int t = 0; t < windowFrames; t++) _times[t] = t;
    }

    public int WindowFrames { get; }

    /// <summary>Frames currently in the window (grows to WindowFrames, then stays).</summary>
    public int Count { get; private set; }

    /// <summary>Voiced frames in the window.</summary>
    public int VoicedFrames => _voicedCount;

    /// <summary>Share of voiced frames in the window.</summary>
    public float VoicedFraction => Count == 0 ? 0 : (float)_voicedCount / Count;

    /// <summary>Mean of a frame feature over the window (O(1)).</summary>
    public float Mean(int feature) => Count == 0 ? 0 : (float)(_sum[feature] / Count);

    /// <summary>Mean F0 in Hz over voiced frames (O(1)); 0 without voiced frames.</summary>
    public float VoicedPitchHz => _voicedCount == 0 ? 0 : 27.5f * MathF.Pow(2, (float)(_voicedSemitoneSum / _voicedCount) / 12f);

    /// <summary>Adds one frame vector, dropping the oldest once the window is full.</summary>
    public void Push(ReadOnlySpan<float> frame)
    {
        if (frame.Length != F) throw new ArgumentException($"expected {F} frame features, got {frame.Length}", nameof(frame));
        bool voiced = frame[FeatureSchema.Voiced] > 0.5f;
        if (voiced && _unvoicedRun >= FeatureSchema.PauseResetFrames) Reset();
        _unvoicedRun = voiced ? 0 : _unvoicedRun + 1;
        var slot = _ring.AsSpan(_next * F, F);
        if (Count == WindowFrames) Replace(slot, frame);
        else
        {
            Count++;
            frame.CopyTo(slot);
            Account(slot, +1);
        }
        if (++_next == WindowFrames) _next = 0;
        if (++_sinceResum >= WindowFrames) Resum();
    }

    public void Reset()
    {
        Count = _next = _sinceResum = _unvoicedRun = 0;
        Array.Clear(_sum);
        Array.Clear(_sumSquares);
        ClearVoiced();
    }

    /// <summary>Writes the <see cref="FeatureSchema.WindowStatisticsCount"/> statistics in
    /// <see cref="FeatureSchema.WindowStatisticNames"/> order; values after them are left alone.</summary>
    public void Compute(Span<float> destination)
    {
        if (destination.Length < FeatureSchema.WindowStatisticsCount)
            throw new ArgumentException($"need {FeatureSchema.WindowStatisticsCount} values", nameof(destination));
        destination = destination[..FeatureSchema.WindowStatisticsCount];
        destination.Clear();
        if (Count == 0) return;
        int o = 0;
        for (int i = 0; i < F; i++) destination[o++] = (float)(_sum[i] / Count);
        for (int i = 0; i < F; i++) destination[o++] = Std(_sum[i], _sumSquares[i], Count);

        Span<float> order = stackalloc float[4];
        foreach (int feature in FeatureSchema.DetailedFeatures)
        {
            var values = Column(feature, voicedOnly: false);
            float slope = Slope(values, _times, _scratch);
            destination[o++] = TensorPrimitives.Min(values);
            destination[o++] = TensorPrimitives.Max(values);
            Percentiles(values, DetailedQuantiles, order);
            destination[o++] = order[0];
            destination[o++] = order[1];
            destination[o++] = order[2];
            destination[o++] = slope;
        }

        var pitch = Column(FeatureSchema.F0Semitone, voicedOnly: true);
        if (pitch.Length > 0)
        {
            float slope = Slope(pitch, _times, _scratch);
            Percentiles(pitch, DetailedQuantiles, order);
            destination[o++] = (float)(_voicedSemitoneSum / _voicedCount);
            destination[o++] = Std(_voicedSemitoneSum, _voicedSemitoneSquares, _voicedCount);
            destination[o++] = order[0];
            destination[o++] = order[1];
            destination[o++] = order[2];
            destination[o++] = order[2] - order[0];
            destination[o++] = slope;
            destination[o++] = (float)(_voicedHnr / _voicedCount);
            destination[o++] = (float)(_voicedJitter / _voicedCount);
            destination[o++] = (float)(_voicedShimmer / _voicedCount);
            destination[o++] = (float)(_voicedDb / _voicedCount);
        }
        else o += FeatureSchema.VoicedPitchFunctionals.Length;

        // Rhythm: one pass in time order over voicing and loudness.
        var loudness = Column(FeatureSchema.LoudnessDb, voicedOnly: false);
        Percentiles(loudness, PeakQuantile, order);
        float pauseBelow = order[0] - PauseBelowPeakDb;
        int onsets = 0, pauses = 0, runs = 0;
        bool previous = false;
        var voicing = Column(FeatureSchema.Voiced, voicedOnly: false);
        for (int t = 0; t < voicing.Length; t++)
        {
            bool voiced = voicing[t] > 0.5f;
            if (voiced && !previous) { onsets++; runs++; }
            previous = voiced;
        }
        for (int t = 0; t < loudness.Length; t++) if (loudness[t] < pauseBelow) pauses++; // a count: order does not matter
        float seconds = (float)Count / FeatureSchema.FramesPerSecond;
        destination[o++] = VoicedFraction;
        destination[o++] = onsets / seconds;
        destination[o++] = (float)pauses / Count;
        destination[o++] = runs == 0 ? 0 : (float)_voicedCount / runs / FeatureSchema.FramesPerSecond;
    }

    /// <summary>
    /// Writes the last <paramref name="frames"/> frame vectors oldest-first, row-major. A window holding fewer frames is
    /// padded by repeating the available frames from the start (tiling); an empty window gives zeros.
    /// </summary>
    public void CopyFrames(Span<float> destination, int frames)
    {
        if (destination.Length < frames * F) throw new ArgumentException($"need {frames * F} values", nameof(destination));
        if (Count == 0)
        {
            destination[..(frames * F)].Clear();
            return;
        }
        int available = Math.Min(Count, frames);
        int skip = Count - available;
        for (int r = 0; r < frames; r++)
            Row(skip + r % available).CopyTo(destination.Slice(r * F, F));
    }

    /// <summary>Frame t of the window, 0 = oldest.</summary>
    private ReadOnlySpan<float> Row(int t)
    {
        int oldest = Count == WindowFrames ? _next : 0;
        int index = (oldest + t) % WindowFrames;
        return new ReadOnlySpan<float>(_ring, index * F, F);
    }

    // The ring in time order is [oldest, WindowFrames) then [0, oldest): two runs without a modulo per row (an integer
    // division per row was most of Compute's time).
    private Span<float> Column(int feature, bool voicedOnly)
    {
        int n = 0;
        int oldest = Count == WindowFrames ? _next : 0;
        int firstRun = Math.Min(Count, WindowFrames - oldest);
        var ring = _ring.AsSpan();
        for (int run = 0; run < 2; run++)
        {
            int start = run == 0 ? oldest : 0, length = run == 0 ? firstRun : Count - firstRun;
            for (int r = start, end = start + length; r < end; r++)
            {
                int at = r * F;
                if (voicedOnly && ring[at + FeatureSchema.Voiced] < 0.5f) continue;
                _column[n++] = ring[at + feature];
            }
        }
        return _column.AsSpan(0, n);
    }

    /// <summary>The oldest frame (in <paramref name="slot"/>) leaves the sums and <paramref name="frame"/> takes its
    /// place, in one pass: sum += new − old, squares += new² − old², 16 features a step.</summary>
    private void Replace(Span<float> slot, ReadOnlySpan<float> frame)
    {
        AccountVoiced(slot, -1);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= F; i += 16)
            {
                var (oldLo, oldHi) = Vector512.Widen(Vector512.Create(slot.Slice(i, 16)));
                var (newLo, newHi) = Vector512.Widen(Vector512.Create(frame.Slice(i, 16)));
                var sum = _sum.AsSpan(i, 16);
                var squares = _sumSquares.AsSpan(i, 16);
                (Vector512.Create(sum[..8]) + (newLo - oldLo)).CopyTo(sum[..8]);
                (Vector512.Create(sum[8..]) + (newHi - oldHi)).CopyTo(sum[8..]);
                (Vector512.Create(squares[..8]) + (newLo * newLo - oldLo * oldLo)).CopyTo(squares[..8]);
                (Vector512.Create(squares[8..]) + (newHi * newHi - oldHi * oldHi)).CopyTo(squares[8..]);
            }
        }
        for (; i < F; i++)
        {
            double o = slot[i], v = frame[i];
            _sum[i] += v - o;
            _sumSquares[i] += v * v - o * o;
        }
        frame.CopyTo(slot);
        AccountVoiced(slot, +1);
    }

    private void Account(ReadOnlySpan<float> frame, int sign)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // 16 features a step, widened to two 8-lane double vectors (the sums stay in double).
            var s = Vector512.Create((double)sign);
            for (; i + 16 <= F; i += 16)
            {
                var v = Vector512.Create(frame.Slice(i, 16));
                var (lo, hi) = Vector512.Widen(v);
                var sumLo = Vector512.Create(_sum.AsSpan(i, 8)); var sumHi = Vector512.Create(_sum.AsSpan(i + 8, 8));
                var sqLo = Vector512.Create(_sumSquares.AsSpan(i, 8)); var sqHi = Vector512.Create(_sumSquares.AsSpan(i + 8, 8));
                var sLo = s * lo; var sHi = s * hi;
                (sumLo + sLo).CopyTo(_sum.AsSpan(i, 8));
                (sumHi + sHi).CopyTo(_sum.AsSpan(i + 8, 8));
                (sqLo + sLo * lo).CopyTo(_sumSquares.AsSpan(i, 8));
                (sqHi + sHi * hi).CopyTo(_sumSquares.AsSpan(i + 8, 8));
            }
        }
        for (; i < F; i++)
        {
            double v = frame[i];
            _sum[i] += sign * v;
            _sumSquares[i] += sign * v * v;
        }
        AccountVoiced(frame, sign);
    }

    private void AccountVoiced(ReadOnlySpan<float> frame, int sign)
    {
        if (frame[FeatureSchema.Voiced] > 0.5f)
        {
            _voicedCount += sign;
            double s = frame[FeatureSchema.F0Semitone];
            _voicedSemitoneSum += sign * s;
            _voicedSemitoneSquares += sign * s * s;
            _voicedHnr += sign * frame[FeatureSchema.HnrDb];
            _voicedJitter += sign * frame[FeatureSchema.JitterLocal];
            _voicedShimmer += sign * frame[FeatureSchema.ShimmerLocalDb];
            _voicedDb += sign * frame[FeatureSchema.LoudnessDb];
        }
    }

    private void Resum()
    {
        _sinceResum = 0;
        Array.Clear(_sum);
        Array.Clear(_sumSquares);
        ClearVoiced();
        // Sums do not depend on order: the ring's first Count slots are exactly the window's rows.
        for (int r = 0; r < Count; r++) Account(_ring.AsSpan(r * F, F), +1);
    }

    private void ClearVoiced()
    {
        _voicedCount = 0;
        _voicedSemitoneSum = _voicedSemitoneSquares = _voicedHnr = _voicedJitter = _voicedShimmer = _voicedDb = 0;
    }

    private static float Std(double sum, double squares, int n)
    {
        if (n < 2) return 0;
        double mean = sum / n;
        return (float)Math.Sqrt(Math.Max(0, squares / n - mean * mean));
    }

    private static readonly float[] DetailedQuantiles = [0.10f, 0.50f, 0.90f];
    private static readonly float[] PeakQuantile = [0.95f];

    /// <summary>
    /// Percentiles as defined on the sorted values (linear interpolation between ranks ⌊q·(n−1)⌋ and the next), found
    /// by selection instead of a sort: for ascending q, quickselect puts rank lo in place with everything after it no
    /// smaller, so rank lo + 1 is the minimum of the rest, and the next quantile's selection runs only on the rest.
    /// O(n) per quantile; reorders <paramref name="values"/>. Gives exactly the sorted-array values.
    /// </summary>
    internal static void Percentiles(Span<float> values, ReadOnlySpan<float> ascendingQuantiles, Span<float> result)
    {
        int n = values.Length, from = 0;
        for (int i = 0; i < ascendingQuantiles.Length; i++)
        {
            if (n == 0) { result[i] = 0; continue; }
            float position = ascendingQuantiles[i] * (n - 1);
            int lo = (int)position;
            int hi = Math.Min(lo + 1, n - 1);
            // Ranks below `from` are settled; a quantile with the previous one's rank needs no new selection.
            if (lo >= from) { Select(values[from..], lo - from); from = lo + 1; }
            float low = values[lo];
            float high = hi == lo ? low : TensorPrimitives.Min(values[(lo + 1)..]);
            result[i] = low + (high - low) * (position - lo);
        }
    }

    /// <summary>Quickselect (median-of-three pivot, Hoare partition): afterwards values[k] is the k-th smallest, none
    /// before it larger, none after it smaller.</summary>
    internal static void Select(Span<float> values, int k)
    {
        int left = 0, right = values.Length - 1;
        while (right > left)
        {
            if (right - left < 16)
            {
                // Insertion sort for short ranges.
                for (int i = left + 1; i <= right; i++)
                {
                    float v = values[i];
                    int j = i - 1;
                    while (j >= left && values[j] > v) { values[j + 1] = values[j]; j--; }
                    values[j + 1] = v;
                }
                return;
            }
            int mid = left + (right - left) / 2;
            if (values[mid] < values[left]) (values[mid], values[left]) = (values[left], values[mid]);
            if (values[right] < values[left]) (values[right], values[left]) = (values[left], values[right]);
            if (values[right] < values[mid]) (values[right], values[mid]) = (values[mid], values[right]);
            float pivot = values[mid];
            int a = left, b = right;
            while (a <= b)
            {
                while (values[a] < pivot) a++;
                while (values[b] > pivot) b--;
                if (a <= b)
                {
                    (values[a], values[b]) = (values[b], values[a]);
                    a++;
                    b--;
                }
            }
            // [left, b] ≤ pivot, [a, right] ≥ pivot, and (b, a) equal to the pivot.
            if (k <= b) right = b;
            else if (k >= a) left = a;
            else return;
        }
    }

    /// <summary>Least-squares slope per second of values equally spaced in time: Σ (t − t̄)·y / Σ (t − t̄)², the
    /// numerator as one SIMD dot product with centred times (Σ (t − t̄)·ȳ = 0, so y needs no centring), the
    /// denominator n(n² − 1)/12 in closed form. (The double running sums it replaced were latency-bound: 1.5 µs for
    /// 300 values.) <paramref name="times"/> is 0, 1, 2, …; <paramref name="scratch"/> holds values.Length floats.</summary>
    internal static float Slope(ReadOnlySpan<float> values, ReadOnlySpan<float> times, Span<float> scratch)
    {
        int n = values.Length;
        if (n < 2) return 0;
        var centred = scratch[..n];
        TensorPrimitives.Subtract(times[..n], (n - 1) / 2f, centred);
        double sty = TensorPrimitives.Dot(centred, values);
        double stt = (double)n * ((double)n * n - 1) / 12;
        return (float)(sty / stt * FeatureSchema.FramesPerSecond);
    }
}

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
    private readonly float[] _column;
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
        if (Count == WindowFrames) Account(slot, -1);
        else Count++;
        frame.CopyTo(slot);
        Account(slot, +1);
        _next = (_next + 1) % WindowFrames;
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

        foreach (int feature in FeatureSchema.DetailedFeatures)
        {
            var values = Column(feature, voicedOnly: false);
            float slope = Slope(values);
            values.Sort();
            destination[o++] = values[0];
            destination[o++] = values[^1];
            destination[o++] = Percentile(values, 0.10f);
            destination[o++] = Percentile(values, 0.50f);
            destination[o++] = Percentile(values, 0.90f);
            destination[o++] = slope;
        }

        var pitch = Column(FeatureSchema.F0Semitone, voicedOnly: true);
        if (pitch.Length > 0)
        {
            float slope = Slope(pitch);
            pitch.Sort();
            destination[o++] = (float)(_voicedSemitoneSum / _voicedCount);
            destination[o++] = Std(_voicedSemitoneSum, _voicedSemitoneSquares, _voicedCount);
            destination[o++] = Percentile(pitch, 0.10f);
            destination[o++] = Percentile(pitch, 0.50f);
            destination[o++] = Percentile(pitch, 0.90f);
            destination[o++] = Percentile(pitch, 0.90f) - Percentile(pitch, 0.10f);
            destination[o++] = slope;
            destination[o++] = (float)(_voicedHnr / _voicedCount);
            destination[o++] = (float)(_voicedJitter / _voicedCount);
            destination[o++] = (float)(_voicedShimmer / _voicedCount);
            destination[o++] = (float)(_voicedDb / _voicedCount);
        }
        else o += FeatureSchema.VoicedPitchFunctionals.Length;

        // Rhythm: one pass in time order over voicing and loudness.
        var loudness = Column(FeatureSchema.LoudnessDb, voicedOnly: false);
        loudness.Sort();
        float pauseBelow = Percentile(loudness, 0.95f) - PauseBelowPeakDb;
        int onsets = 0, pauses = 0, runs = 0;
        bool previous = false;
        for (int t = 0; t < Count; t++)
        {
            var row = Row(t);
            bool voiced = row[FeatureSchema.Voiced] > 0.5f;
            if (voiced && !previous) { onsets++; runs++; }
            if (row[FeatureSchema.LoudnessDb] < pauseBelow) pauses++;
            previous = voiced;
        }
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

    private Span<float> Column(int feature, bool voicedOnly)
    {
        int n = 0;
        for (int t = 0; t < Count; t++)
        {
            var row = Row(t);
            if (voicedOnly && row[FeatureSchema.Voiced] < 0.5f) continue;
            _column[n++] = row[feature];
        }
        return _column.AsSpan(0, n);
    }

    private void Account(ReadOnlySpan<float> frame, int sign)
    {
        for (int i = 0; i < F; i++)
        {
            double v = frame[i];
            _sum[i] += sign * v;
            _sumSquares[i] += sign * v * v;
        }
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
        for (int t = 0; t < Count; t++) Account(Row(t), +1);
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

    private static float Percentile(ReadOnlySpan<float> sorted, float q)
    {
        if (sorted.Length == 0) return 0;
        float position = q * (sorted.Length - 1);
        int lo = (int)position;
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }

    /// <summary>Least-squares slope per second of values equally spaced in time.</summary>
    private static float Slope(ReadOnlySpan<float> values)
    {
        int n = values.Length;
        if (n < 2) return 0;
        double meanT = (n - 1) / 2.0, sty = 0, stt = 0, meanY = 0;
        for (int t = 0; t < n; t++) meanY += values[t];
        meanY /= n;
        for (int t = 0; t < n; t++)
        {
            double dt = t - meanT;
            sty += dt * (values[t] - meanY);
            stt += dt * dt;
        }
        return (float)(sty / stt * FeatureSchema.FramesPerSecond);
    }
}

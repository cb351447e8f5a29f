using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// YIN fundamental-frequency estimator (de Cheveigné &amp; Kawahara 2002) on one analysis buffer: difference function from an
/// FFT autocorrelation, cumulative-mean normalisation, absolute threshold, parabolic interpolation. Also gives the
/// normalised correlation at the chosen lag, from which the harmonics-to-noise ratio follows. Short lag ranges (at most
/// <see cref="MaxDirectLag"/>, e.g. 60–500 Hz at 4 kHz: 68 lags) sum the autocorrelation directly, 16 lags at a time
/// and only as far as the search reads — fewer operations than the two FFTs it takes otherwise; longer ranges use the FFT.
/// </summary>
public sealed class PitchTracker
{
    /// <summary>Longest lag range computed by direct sums rather than by FFT.</summary>
    public const int MaxDirectLag = 128;

    private readonly RealFft? _fft;
    private readonly int _sampleRate, _minLag, _maxLag;
    private readonly float[] _re, _im, _power, _acf, _cmnd;
    private readonly float[] _padded;
    private readonly float[] _headCut, _tailCut; // energy of the first / the last τ samples, τ = 0..maxLag + 1
    private int _acfReady, _cmndReady, _cutsReady; // lags [0, ready) computed for the current buffer
    private double _running; // the buffer then zeros, for the SIMD autocorrelation

    public PitchTracker(int sampleRate, double minHz, double maxHz, int bufferLength, double threshold = 0.15)
        : this(sampleRate, minHz, maxHz, bufferLength, threshold, direct: null) { }

    /// <summary><paramref name="direct"/> forces the direct sums (true) or the FFT (false); null chooses by lag range.</summary>
    internal PitchTracker(int sampleRate, double minHz, double maxHz, int bufferLength, double threshold, bool? direct)
    {
        _sampleRate = sampleRate;
        _minLag = (int)Math.Floor(sampleRate / maxHz);
        _maxLag = (int)Math.Ceiling(sampleRate / minHz);
        if (bufferLength < _maxLag + 64) throw new ArgumentOutOfRangeException(nameof(bufferLength), "buffer too short for the lowest pitch");
        BufferLength = bufferLength;
        Threshold = threshold;
        if (direct ?? _maxLag <= MaxDirectLag)
        {
            _re = _im = _power = [];
            int blocks = (_maxLag + 1 + Vector512<float>.Count - 1) / Vector512<float>.Count;
            _acf = new float[blocks * Vector512<float>.Count];
            _padded = new float[bufferLength + blocks * Vector512<float>.Count];
        }
        else
        {
            int size = 1;
            while (size < bufferLength + _maxLag) size <<= 1;
            _fft = new RealFft(size);
            _re = new float[_fft.Bins];
            _im = new float[_fft.Bins];
            _power = new float[size];
            _acf = new float[size];
            _padded = [];
        }
        _cmnd = new float[_maxLag + 2];
        _headCut = new float[_maxLag + 2];
        _tailCut = new float[_maxLag + 2];
    }

    /// <summary>Samples the caller passes to <see cref="Estimate"/>.</summary>
    public int BufferLength { get; }

    public double Threshold { get; }

    /// <summary>
    /// Estimates F0 over <paramref name="buffer"/> (length <see cref="BufferLength"/>).
    /// Returns the lag-based frequency (Hz), the aperiodicity (CMND at the lag, 0 = perfectly periodic, ~1 = noise)
    /// and the normalised correlation at the lag (for HNR).
    /// </summary>
    public (float F0Hz, float Aperiodicity, float Correlation) Estimate(ReadOnlySpan<float> buffer)
    {
        int n = BufferLength;
        buffer = buffer[..n];
        // Autocorrelation r(τ) = Σ_{j<n-τ} x_j x_{j+τ}, τ = 0..maxLag: by FFT all at once; by direct sums 16 lags at a
        // time, only as far as the search below reads (a voiced frame at 200 Hz stops after 32 of the 68 lags at 4 kHz).
        if (_fft is null)
        {
            if (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated) buffer.CopyTo(_padded);
            _acfReady = 0;
        }
        else
        {
            // Via |FFT|² and a second pass of the same real FFT (the power spectrum is real and even, so its forward
            // transform equals N × the inverse transform).
            _fft.Forward(buffer, _re, _im);
            int bins = _fft.Bins, size = _fft.Size;
            for (int k = 0; k < bins; k++) _power[k] = _re[k] * _re[k] + _im[k] * _im[k];
            for (int k = bins; k < size; k++) _power[k] = _power[size - k];
            _fft.Forward(_power, _re, _im);
            float scale = 1f / size;
            for (int t = 0; t <= _maxLag && t < bins; t++) _acf[t] = _re[t] * scale;
            _acfReady = _maxLag + 1;
        }
        _cmndReady = 0;
        _running = 0;

        // The energies d(τ) needs, E[0, n-τ) and E[τ, n), are the total less the last or the first τ samples' energy:
        // running sums grown with the lags the search reads (ExtendCuts), not over every lag up front.
        _headCut[0] = _tailCut[0] = 0;
        _cutsReady = 1;
        float total = TensorPrimitives.SumOfSquares(buffer);
        if (total < 1e-9f) return (0, 1, 0);

        int best = -1;
        for (int tau = _minLag; tau <= _maxLag; tau++)
        {
            if (tau >= _cmndReady) Cmnd(buffer, tau, total);
            if (_cmnd[tau] < Threshold)
            {
                while (tau + 1 <= _maxLag)
                {
                    if (tau + 1 >= _cmndReady) Cmnd(buffer, tau + 1, total);
                    if (_cmnd[tau + 1] < _cmnd[tau]) tau++;
                    else break;
                }
                best = tau;
                break;
            }
        }
        if (best < 0)
        {
            best = _minLag;
            for (int tau = _minLag + 1; tau <= _maxLag; tau++) if (_cmnd[tau] < _cmnd[best]) best = tau;
        }
        if (best < _maxLag && best + 1 >= _cmndReady) Cmnd(buffer, best + 1, total);

        // Parabolic refinement of the lag; the aperiodicity and the correlation are read at the refined lag too (the
        // parabola's value there, energies interpolated linearly): at 4 kHz a lag step is a large share of a short
        // period (13.3 samples at 300 Hz), and the values at the nearest integer lag understate the periodicity.
        double refined = best;
        float aperiodicity = _cmnd[best], lagAcf = _acf[best];
        if (best > _minLag && best < _maxLag)
        {
            double a = _cmnd[best - 1], b = _cmnd[best], c = _cmnd[best + 1];
            double denominator = a - 2 * b + c;
            if (denominator > 1e-12)
            {
                double delta = 0.5 * (a - c) / denominator;
                refined = best + delta;
                aperiodicity = (float)(b - 0.25 * (a - c) * delta);
                double ra = _acf[best - 1], rb = _acf[best], rc = _acf[best + 1];
                lagAcf = (float)(rb + 0.5 * delta * (rc - ra) + 0.5 * delta * delta * (ra - 2 * rb + rc));
            }
        }
        aperiodicity = Math.Clamp(aperiodicity, 0f, 1f);
        int lo = (int)Math.Floor(refined);
        float frac = (float)(refined - lo);
        ExtendCuts(buffer, lo + 1);
        float headE = total - (_tailCut[lo] + frac * (_tailCut[lo + 1] - _tailCut[lo]));
        float tailE = total - (_headCut[lo] + frac * (_headCut[lo + 1] - _headCut[lo]));
        float correlation = headE > 0 && tailE > 0 ? lagAcf / MathF.Sqrt(headE * tailE) : 0;
        return ((float)(_sampleRate / refined), aperiodicity, Math.Clamp(correlation, -1f, 1f));
    }

    // The cumulative-mean-normalised difference up to at least lag `upTo`, computing autocorrelation blocks as needed.
    // d(τ) = Σ_{j<n-τ} (x_j - x_{j+τ})² = E[0, n-τ) + E[τ, n) - 2 r(τ); cmnd(τ) = d(τ)·τ / Σ_{τ'≤τ} d(τ').
    private void Cmnd(ReadOnlySpan<float> buffer, int upTo, float total)
    {
        while (_cmndReady <= upTo)
        {
            if (_cmndReady >= _acfReady) NextAutocorrelationBlock(buffer);
            int end = Math.Min(_acfReady, _maxLag + 1);
            ExtendCuts(buffer, end - 1);
            double running = _running; // a local: a field in the loop would go through memory every step
            var headCut = _headCut.AsSpan(0, end);
            var tailCut = _tailCut.AsSpan(0, end);
            var acf = _acf.AsSpan(0, end);
            var cmnd = _cmnd.AsSpan(0, end);
            for (int tau = _cmndReady; tau < end; tau++)
            {
                if (tau == 0) { cmnd[0] = 1; continue; }
                float head = total - tailCut[tau], tail = total - headCut[tau];
                float d = Math.Max(0, head + tail - 2 * acf[tau]);
                running += d;
                cmnd[tau] = running > 0 ? (float)(d * tau / running) : 1;
            }
            _running = running;
            _cmndReady = end;
        }
    }

    // The energies of the first and of the last τ samples for every τ up to `upTo` (at most maxLag + 1).
    private void ExtendCuts(ReadOnlySpan<float> buffer, int upTo)
    {
        int n = BufferLength, t = _cutsReady;
        if (t > upTo) return;
        float head = _headCut[t - 1], tail = _tailCut[t - 1];
        for (; t <= upTo; t++)
        {
            float first = buffer[t - 1], last = buffer[n - t];
            head += first * first;
            tail += last * last;
            _headCut[t] = head;
            _tailCut[t] = tail;
        }
        _cutsReady = t;
    }

    // r(τ) for the next 16 lags. With 512-bit SIMD, lanes along τ: r[τ0 + l] += x_j · x_{j + τ0 + l} over j, the buffer
    // padded by zeros so each lag's sum stops at its overlap; four accumulators over j mod 4 keep the multiply-adds
    // independent. With 256-bit SIMD the same, the 16 lags in two vectors (four chains each). Otherwise one dot product
    // per lag.
    private void NextAutocorrelationBlock(ReadOnlySpan<float> buffer)
    {
        int n = BufferLength, lag = _acfReady, w = Vector512<float>.Count;
        if (!Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated)
        {
            ref float p = ref MemoryMarshal.GetArrayDataReference(_padded);
            // Four chains of each half (j mod 4): a multiply-add waits on its own chain only.
            var lo0 = Vector256<float>.Zero; var hi0 = Vector256<float>.Zero;
            var lo1 = Vector256<float>.Zero; var hi1 = Vector256<float>.Zero;
            var lo2 = Vector256<float>.Zero; var hi2 = Vector256<float>.Zero;
            var lo3 = Vector256<float>.Zero; var hi3 = Vector256<float>.Zero;
            int i = 0, stop = n - lag;
            for (; i + 4 <= stop; i += 4)
            {
                ref float at = ref Unsafe.Add(ref p, i + lag);
                var x0 = Vector256.Create(Unsafe.Add(ref p, i));
                var x1 = Vector256.Create(Unsafe.Add(ref p, i + 1));
                var x2 = Vector256.Create(Unsafe.Add(ref p, i + 2));
                var x3 = Vector256.Create(Unsafe.Add(ref p, i + 3));
                lo0 = Vector256.FusedMultiplyAdd(x0, Vector256.LoadUnsafe(ref at), lo0);
                hi0 = Vector256.FusedMultiplyAdd(x0, Vector256.LoadUnsafe(ref at, 8), hi0);
                lo1 = Vector256.FusedMultiplyAdd(x1, Vector256.LoadUnsafe(ref at, 1), lo1);
                hi1 = Vector256.FusedMultiplyAdd(x1, Vector256.LoadUnsafe(ref at, 9), hi1);
                lo2 = Vector256.FusedMultiplyAdd(x2, Vector256.LoadUnsafe(ref at, 2), lo2);
                hi2 = Vector256.FusedMultiplyAdd(x2, Vector256.LoadUnsafe(ref at, 10), hi2);
                lo3 = Vector256.FusedMultiplyAdd(x3, Vector256.LoadUnsafe(ref at, 3), lo3);
                hi3 = Vector256.FusedMultiplyAdd(x3, Vector256.LoadUnsafe(ref at, 11), hi3);
            }
            for (; i < stop; i++)
            {
                var x0 = Vector256.Create(Unsafe.Add(ref p, i));
                lo0 = Vector256.FusedMultiplyAdd(x0, Vector256.LoadUnsafe(ref p, (nuint)(i + lag)), lo0);
                hi0 = Vector256.FusedMultiplyAdd(x0, Vector256.LoadUnsafe(ref p, (nuint)(i + lag + 8)), hi0);
            }
            lo0 = (lo0 + lo1) + (lo2 + lo3);
            hi0 = (hi0 + hi1) + (hi2 + hi3);
            ref float acf = ref MemoryMarshal.GetArrayDataReference(_acf);
            lo0.StoreUnsafe(ref acf, (nuint)lag);
            hi0.StoreUnsafe(ref acf, (nuint)(lag + 8));
            _acfReady = lag + w;
            return;
        }
        if (!Vector512.IsHardwareAccelerated)
        {
            for (int t = lag; t < lag + w && t <= _maxLag; t++) _acf[t] = TensorPrimitives.Dot(buffer[..(n - t)], buffer[t..]);
            _acfReady = lag + w;
            return;
        }
        ref float x = ref MemoryMarshal.GetArrayDataReference(_padded);
        ref float r = ref MemoryMarshal.GetArrayDataReference(_acf);
        var a0 = Vector512<float>.Zero; var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero; var a3 = Vector512<float>.Zero;
        int j = 0, end = n - lag; // beyond it every product in this block meets the zero padding
        for (; j + 4 <= end; j += 4)
        {
            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, j)), Vector512.LoadUnsafe(ref x, (nuint)(j + lag)), a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, j + 1)), Vector512.LoadUnsafe(ref x, (nuint)(j + 1 + lag)), a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, j + 2)), Vector512.LoadUnsafe(ref x, (nuint)(j + 2 + lag)), a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, j + 3)), Vector512.LoadUnsafe(ref x, (nuint)(j + 3 + lag)), a3);
        }
        for (; j < end; j++)
            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, j)), Vector512.LoadUnsafe(ref x, (nuint)(j + lag)), a0);
        ((a0 + a1) + (a2 + a3)).StoreUnsafe(ref r, (nuint)lag);
        _acfReady = lag + w;
    }
}

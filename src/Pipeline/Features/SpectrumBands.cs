using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Pipeline.Features;

/// <summary>
/// Spectral shape descriptors of one power spectrum, with the per-bin constants precomputed. Every sum the descriptors
/// need (power, power × frequency, log power, log power × centred frequency, the two alpha-ratio bands) is taken in one
/// pass over the bins, eight at a time, the log power computed in registers (<see cref="VectorLog"/>); only the
/// roll-off's running sum reads the bins again, and only up to where it stops.
/// </summary>
internal sealed class SpectrumBands
{
    private const float Floor = 1e-10f;
    private readonly int _bins; // bins 1..N/2 (DC left out)
    private readonly float[] _frequencies; // Hz of bins 0..N/2
    // Per bin of 1..N/2: its centred kHz inside the slope's range (else 0), 1 inside each alpha band (else 0).
    private readonly float[] _slopeWeight, _lowBand, _highBand;
    private readonly double _slopeSxx;

    public SpectrumBands(int fftSize, int sampleRate)
    {
        int all = fftSize / 2 + 1;
        _bins = all - 1;
        double binHz = (double)sampleRate / fftSize;
        _frequencies = new float[all];
        for (int k = 0; k < all; k++) _frequencies[k] = (float)(k * binHz);
        int slopeBins = (int)(5000 / binHz);          // slope over bins 1..5 kHz
        int alphaLowStart = (int)Math.Ceiling(50 / binHz);
        int alphaLowEnd = (int)(1000 / binHz);        // alpha ratio: 50–1000 Hz vs 1–5 kHz
        int alphaHighEnd = (int)(5000 / binHz);
        double sx = 0, sxx = 0;
        for (int k = 1; k <= slopeBins; k++) { double x = k * binHz / 1000; sx += x; sxx += x * x; }
        _slopeSxx = sxx - sx * sx / slopeBins;
        _slopeWeight = new float[_bins];
        _lowBand = new float[_bins];
        _highBand = new float[_bins];
        for (int k = 1; k <= _bins; k++)
        {
            if (k <= slopeBins) _slopeWeight[k - 1] = (float)(k * binHz / 1000 - sx / slopeBins);
            if (k >= alphaLowStart && k <= alphaLowEnd) _lowBand[k - 1] = 1;
            if (k > alphaLowEnd && k <= alphaHighEnd) _highBand[k - 1] = 1;
        }
    }

    /// <summary>Centroid (Hz), 85 % roll-off (Hz), flatness (0–1), slope of the dB spectrum up to 5 kHz (dB/kHz), alpha ratio (dB).</summary>
    public void Describe(ReadOnlySpan<float> power, out float centroid, out float rolloff, out float flatness, out float slope,
        out float alphaRatio)
    {
        var p = power.Slice(1, _bins);
        float total = 0, moment = 0, sumLog = 0, slopeSum = 0, low = 0, high = 0;
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float pr = ref MemoryMarshal.GetReference(p);
            ref float hz = ref _frequencies[1]; // bin k of p is bin k + 1 of the spectrum
            ref float sw = ref MemoryMarshal.GetArrayDataReference(_slopeWeight);
            ref float lb = ref MemoryMarshal.GetArrayDataReference(_lowBand);
            ref float hb = ref MemoryMarshal.GetArrayDataReference(_highBand);
            var floor = Vector256.Create(Floor);
            Vector256<float> vTotal = default, vMoment = default, vLog = default, vSlope = default, vLow = default, vHigh = default;
            for (; k + 8 <= _bins; k += 8)
            {
                var v = Vector256.LoadUnsafe(ref pr, (nuint)k);
                var log = VectorLog.Log(v + floor);
                vTotal += v;
                vMoment = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref hz, (nuint)k), vMoment);
                vLog += log;
                vSlope = Vector256.FusedMultiplyAdd(log, Vector256.LoadUnsafe(ref sw, (nuint)k), vSlope);
                vLow = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref lb, (nuint)k), vLow);
                vHigh = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref hb, (nuint)k), vHigh);
            }
            total = Vector256.Sum(vTotal);
            moment = Vector256.Sum(vMoment);
            sumLog = Vector256.Sum(vLog);
            slopeSum = Vector256.Sum(vSlope);
            low = Vector256.Sum(vLow);
            high = Vector256.Sum(vHigh);
        }
        for (; k < _bins; k++)
        {
            float v = p[k], log = MathF.Log(v + Floor);
            total += v;
            moment += v * _frequencies[k + 1];
            sumLog += log;
            slopeSum += log * _slopeWeight[k];
            low += v * _lowBand[k];
            high += v * _highBand[k];
        }
        if (total < 1e-12f)
        {
            centroid = rolloff = flatness = slope = alphaRatio = 0;
            return;
        }
        centroid = moment / total;
        rolloff = Rolloff(p, 0.85f * total);
        flatness = Math.Clamp(MathF.Exp(sumLog / _bins) / (total / _bins), 0f, 1f);
        // Slope of 10·log10 P against frequency in kHz (least squares: Σ (x − x̄)·y / Σ (x − x̄)²); ln → dB is 10/ln 10.
        slope = (float)(slopeSum / _slopeSxx * (10 / Math.Log(10)));
        alphaRatio = Math.Clamp(10f * MathF.Log10((low + Floor) / (high + Floor)), -60f, 60f);
    }

    // The frequency of the bin where the running sum of power first reaches the target: eight bins a step while the next
    // eight would not reach it, then bin by bin.
    private float Rolloff(ReadOnlySpan<float> p, float target)
    {
        float running = 0;
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float pr = ref MemoryMarshal.GetReference(p);
            for (; k + 8 <= p.Length; k += 8)
            {
                float block = Vector256.Sum(Vector256.LoadUnsafe(ref pr, (nuint)k));
                if (running + block >= target) break;
                running += block;
            }
        }
        for (; k < p.Length; k++)
        {
            running += p[k];
            if (running >= target) return _frequencies[k + 1];
        }
        return _frequencies[^1];
    }
}

using System.Numerics.Tensors;

namespace VoiceEmotion.Pipeline.Features;

/// <summary>Spectral shape descriptors of one power spectrum, with the per-bin constants precomputed.</summary>
internal sealed class SpectrumBands
{
    private const float Floor = 1e-10f;
    private readonly float[] _frequencies;
    private readonly float[] _centredKHz; // bins 1..5 kHz: f/1000 minus its mean, for the slope
    private readonly int _slopeBins, _alphaLowStart, _alphaLowEnd, _alphaHighEnd;
    private readonly double _slopeSxx;

    public SpectrumBands(int fftSize, int sampleRate)
    {
        int bins = fftSize / 2 + 1;
        double binHz = (double)sampleRate / fftSize;
        _frequencies = new float[bins];
        for (int k = 0; k < bins; k++) _frequencies[k] = (float)(k * binHz);
        _slopeBins = (int)(5000 / binHz);          // slope over bins 1..5 kHz
        _alphaLowStart = (int)Math.Ceiling(50 / binHz);
        _alphaLowEnd = (int)(1000 / binHz);        // alpha ratio: 50–1000 Hz vs 1–5 kHz
        _alphaHighEnd = (int)(5000 / binHz);
        double sx = 0, sxx = 0;
        for (int k = 1; k <= _slopeBins; k++) { double x = k * binHz / 1000; sx += x; sxx += x * x; }
        _centredKHz = new float[_slopeBins];
        for (int k = 1; k <= _slopeBins; k++) _centredKHz[k - 1] = (float)(k * binHz / 1000 - sx / _slopeBins);
        _slopeSxx = sxx - sx * sx / _slopeBins;
    }

    /// <summary>Centroid (Hz), 85 % roll-off (Hz), flatness (0–1), slope of the dB spectrum up to 5 kHz (dB/kHz), alpha ratio (dB).</summary>
    public void Describe(ReadOnlySpan<float> power, Span<float> scratchLog, out float centroid, out float rolloff,
        out float flatness, out float slope, out float alphaRatio)
    {
        var p = power[1..];
        float total = TensorPrimitives.Sum(p);
        if (total < 1e-12f)
        {
            centroid = rolloff = flatness = slope = alphaRatio = 0;
            return;
        }
        centroid = TensorPrimitives.Dot(p, _frequencies.AsSpan(1)) / total;
        // Roll-off: whole 16-bin blocks are summed until the next would pass the target, then bin by bin.
        float target = 0.85f * total, running = 0;
        rolloff = _frequencies[^1];
        int start = 0;
        while (start + 16 <= p.Length)
        {
            float block = TensorPrimitives.Sum(p.Slice(start, 16));
            if (running + block >= target) break;
            running += block;
            start += 16;
        }
        for (int k = start; k < p.Length; k++)
        {
            running += p[k];
            if (running >= target) { rolloff = _frequencies[k + 1]; break; }
        }
        var logs = scratchLog[..p.Length];
        TensorPrimitives.Add(p, Floor, logs);
        TensorPrimitives.Log(logs, logs);
        float meanLog = TensorPrimitives.Sum(logs) / p.Length;
        flatness = Math.Clamp(MathF.Exp(meanLog) / (total / p.Length), 0f, 1f);

        // Slope of 10·log10 P against frequency in kHz: ln → dB factor 10/ln 10.
        // Least squares: Σ (x − x̄)·y / Σ (x − x̄)², one dot product with the centred frequencies.
        double sxy = TensorPrimitives.Dot(_centredKHz, logs[.._slopeBins]);
        slope = (float)(sxy / _slopeSxx * (10 / Math.Log(10)));

        float low = TensorPrimitives.Sum(power[_alphaLowStart..(_alphaLowEnd + 1)]);
        float high = TensorPrimitives.Sum(power[(_alphaLowEnd + 1)..(_alphaHighEnd + 1)]);
        alphaRatio = Math.Clamp(10f * MathF.Log10((low + Floor) / (high + Floor)), -60f, 60f);
    }
}

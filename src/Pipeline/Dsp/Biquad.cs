namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>A second-order IIR section (transposed direct form II) with streaming state; RBJ cookbook designs.</summary>
public sealed class Biquad
{
    private readonly double _b0, _b1, _b2, _a1, _a2;
    private double _z1, _z2;

    private Biquad(double b0, double b1, double b2, double a0, double a1, double a2)
    {
        _b0 = b0 / a0; _b1 = b1 / a0; _b2 = b2 / a0; _a1 = a1 / a0; _a2 = a2 / a0;
    }

    /// <summary>Second-order low-pass at <paramref name="cutoffHz"/> with quality factor <paramref name="q"/>.</summary>
    public static Biquad LowPass(double sampleRate, double cutoffHz, double q)
    {
        double w = 2 * Math.PI * cutoffHz / sampleRate, cos = Math.Cos(w), alpha = Math.Sin(w) / (2 * q);
        return new Biquad((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    /// <summary>Second-order high-pass at <paramref name="cutoffHz"/> with quality factor <paramref name="q"/>.</summary>
    public static Biquad HighPass(double sampleRate, double cutoffHz, double q)
    {
        double w = 2 * Math.PI * cutoffHz / sampleRate, cos = Math.Cos(w), alpha = Math.Sin(w) / (2 * q);
        return new Biquad((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
    }

    /// <summary>Q factors of the two sections of a 4th-order Butterworth filter.</summary>
    public static ReadOnlySpan<double> Butterworth4Q => [0.54119610, 1.30656296];

    /// <summary>Filters in place.</summary>
    public void Process(Span<float> samples)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            double x = samples[i];
            double y = _b0 * x + _z1;
            _z1 = _b1 * x - _a1 * y + _z2;
            _z2 = _b2 * x - _a2 * y;
            samples[i] = (float)y;
        }
    }

    public void Reset() => _z1 = _z2 = 0;
}

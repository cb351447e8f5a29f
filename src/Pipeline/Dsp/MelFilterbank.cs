namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// Triangular filters on the HTK mel scale (mel = 2595·log10(1 + f/700)), applied to a power spectrum.
/// Weights are stored sparsely (start bin + weights per band).
/// </summary>
public sealed class MelFilterbank
{
    private readonly int[] _start;
    private readonly float[][] _weights;

    public MelFilterbank(int bands, int fftSize, int sampleRate, double minHz, double maxHz)
    {
        Bands = bands;
        int bins = fftSize / 2 + 1;
        double melMin = HzToMel(minHz), melMax = HzToMel(maxHz);
        var edges = new double[bands + 2];
        for (int i = 0; i < edges.Length; i++) edges[i] = MelToHz(melMin + (melMax - melMin) * i / (bands + 1));
        _start = new int[bands];
        _weights = new float[bands][];
        double binHz = (double)sampleRate / fftSize;
        for (int b = 0; b < bands; b++)
        {
            double lo = edges[b], centre = edges[b + 1], hi = edges[b + 2];
            int first = Math.Max(0, (int)Math.Ceiling(lo / binHz));
            int last = Math.Min(bins - 1, (int)Math.Floor(hi / binHz));
            var w = new List<float>();
            for (int k = first; k <= last; k++)
            {
                double f = k * binHz;
                double v = f <= centre ? (f - lo) / (centre - lo) : (hi - f) / (hi - centre);
                w.Add((float)Math.Max(0, v));
            }
            if (w.Count == 0) { first = Math.Min(bins - 1, (int)Math.Round(centre / binHz)); w.Add(1f); }
            _start[b] = first;
            _weights[b] = w.ToArray();
        }
    }

    public int Bands { get; }

    /// <summary>Band energies (linear) of a power spectrum.</summary>
    public void Apply(ReadOnlySpan<float> power, Span<float> energies)
    {
        for (int b = 0; b < Bands; b++)
            energies[b] = System.Numerics.Tensors.TensorPrimitives.Dot(_weights[b], power.Slice(_start[b], _weights[b].Length));
    }

    public static double HzToMel(double hz) => 2595 * Math.Log10(1 + hz / 700);

    public static double MelToHz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);
}

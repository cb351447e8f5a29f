using System.Numerics.Tensors;

namespace VoiceEmotion.Training.Channels;

/// <summary>
/// Time-stretch by waveform-similarity overlap-add (WSOLA; Verhelst and Roelands, ICASSP 1993): Hann-windowed frames
/// are taken from the input every analysis hop and added to the output every synthesis hop, each frame moved by up to
/// one search span so that it continues the waveform the previous frame left off with (the shift that maximises the
/// cross-correlation with the natural continuation of the previous frame). Whole pitch periods move, so the voice keeps
/// its own periodicity.
/// <para>
/// This is the algorithm and the parameters NWaves 0.9.6's <c>Operation.TimeStretch(signal, stretch,
/// TsmAlgorithm.Wsola)</c> uses — the frame and hop sizes it picks by stretch ratio (given for 22.05 kHz and scaled to
/// the signal's rate), its gain, output length, loop bounds and where it takes the next frame's reference — because
/// every training draw since stop 56 was made with that, and the draws should stay the ones cross-validation measured.
/// What differs is how the similarity is found: NWaves correlates with a 2,048-point FFT per hop (three transforms, its
/// own scalar FFT); here each candidate shift is one vectorised dot product over the frame, exact where the FFT rounds.
/// Equal outputs wherever the two pick the same shift (<c>WsolaTests</c>: to the last bit on synthetic voices, NWaves the
/// oracle); a shift that differs is a near-tie between two lags in a quiet frame, which the FFT's rounding decided, and
/// the paths part from there (how often on corpus clips: docs/ARCHITECTURE.md, "NWaves or ours").
/// Two details of NWaves' code are kept on purpose: its in-place reversal of the reference frame leaves the middle
/// two samples of an even-length frame unswapped, so the reference correlated has those two samples exchanged; and
/// before the search begins (the first frames, taken without a shift), the reference is read from where a shifted
/// frame would have been.
/// </para>
/// </summary>
public static class Wsola
{
    private const int ReferenceRate = 22050;

    /// <summary>The frame (window), analysis hop and search span, in samples at <paramref name="sampleRate"/>, and
    /// the synthesis hop, for output <paramref name="stretch"/> times as long as the input.</summary>
    public static (int Window, int HopAnalysis, int HopSynthesis, int MaxDelta) Parameters(double stretch, int sampleRate)
    {
        // Sizes at 22.05 kHz by ratio: shorter frames and hops for larger stretches.
        var (window, hop) = stretch switch
        {
            > 1.5 => (1024, 128),
            > 1.1 => (1536, 256),
            > 0.6 => (1536, 690),
            _ => (1024, 896),
        };
        int hopSynthesis = (int)(hop * stretch);
        int maxDelta = hopSynthesis;
        if (sampleRate != ReferenceRate)
        {
            // The same arithmetic (a float factor, truncations) as NWaves, so that the sizes match to the sample.
            float factor = (float)sampleRate / ReferenceRate;
            window = (int)(window * factor);
            hop = (int)(hop * factor);
            hopSynthesis = (int)(hop * stretch);
            maxDelta = (int)(maxDelta * factor);
        }
        return (window, hop, hopSynthesis, maxDelta);
    }

    /// <summary>Returns a new signal about <paramref name="stretch"/> times as long as <paramref name="input"/> (above 1
    /// slower), pitch and spectrum kept. Its first ≈ 50 ms fade in and it ends in silence ≈ one frame long, as
    /// NWaves' does.</summary>
    public static float[] Stretch(ReadOnlySpan<float> input, double stretch, int sampleRate)
    {
        if (!(stretch > 0) || !double.IsFinite(stretch)) throw new ArgumentOutOfRangeException(nameof(stretch), stretch, "stretch must be a positive factor");
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sample rate must be positive");
        var (size, hopAnalysis, hopSynthesis, maxDelta) = Parameters(stretch, sampleRate);

        var window = new float[size];
        double step = 2 * Math.PI / (size - 1);
        double windowEnergy = 0;
        for (int i = 0; i < size; i++)
        {
            window[i] = (float)(0.5 * (1 - Math.Cos(i * step)));
            windowEnergy += window[i] * window[i];
        }
        float gain = hopSynthesis / (float)windowEnergy * 0.75f;

        var output = new float[(int)(stretch * (input.Length + size))];
        var reference = new float[size];
        int half = maxDelta / 2;
        for (int posAnalysis = 0, posSynthesis = 0;
             posAnalysis + size + maxDelta + hopSynthesis < input.Length;
             posAnalysis += hopAnalysis, posSynthesis += hopSynthesis)
        {
            int start = posAnalysis, delta = 0;
            if (posAnalysis > half)
            {
                start = posAnalysis - half;
                delta = MostSimilarShift(input.Slice(start, size + maxDelta), reference, maxDelta);
            }
            var frame = input.Slice(start + delta, size);
            int count = Math.Min(size, output.Length - posSynthesis);
            var target = output.AsSpan(posSynthesis);
            for (int j = 0; j < count; j++) target[j] += frame[j] * window[j];
            for (int j = 0; j < hopSynthesis; j++) target[j] *= gain;

            // The natural continuation of the frame just placed: where the next frame should resemble.
            input.Slice(posAnalysis + delta - half + hopSynthesis, size).CopyTo(reference);
            if (size % 2 == 0) (reference[size / 2 - 1], reference[size / 2]) = (reference[size / 2], reference[size / 2 - 1]);
        }
        return output;
    }

    /// <summary>A time-varying WSOLA: returns <paramref name="length"/> samples whose frame centred at output sample t is
    /// read from <paramref name="input"/> about <paramref name="sourceOf"/>(t), moved by up to ±10 ms (together one period
    /// of a 50 Hz voice) so that it continues the waveform the previous frame left off with. 40 ms periodic-Hann frames every 20 ms (they sum to
    /// one), so any monotone time map is followed to within the tolerance; whole pitch periods move, the voice's
    /// periodicity stays. Not NWaves' sizes (<see cref="Stretch"/> keeps those for the tempo's draws): this is for maps
    /// whose rate changes within a clip. Outside the input reads as silence.</summary>
    public static float[] Follow(ReadOnlySpan<float> input, Func<double, double> sourceOf, int length, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(sourceOf);
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sample rate must be positive");
        int size = 2 * (sampleRate / 50), hop = size / 2, tolerance = sampleRate / 100;
        var window = new float[size];
        for (int i = 0; i < size; i++) window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / size));
        // The input padded with silence on both sides, so every frame and every shift reads inside it.
        int pad = size + 2 * tolerance + hop + 4;
        var padded = new float[input.Length + 2 * pad];
        input.CopyTo(padded.AsSpan(pad));
        // The search runs on the input summed in pairs (half the rate, a low-pass) over every second shift, then around
        // the best of those at the full rate: a quarter of the dot products of a full search.
        var pairs = new float[padded.Length / 2];
        for (int i = 0; i < pairs.Length; i++) pairs[i] = padded[2 * i] + padded[2 * i + 1];
        var output = new float[length + size + hop];
        int previous = -1;
        for (int centre = 0; centre < length + hop; centre += hop)
        {
            int wanted = (int)Math.Round(sourceOf(centre)) - hop + pad;
            wanted = Math.Clamp(wanted, tolerance + 2, padded.Length - size - tolerance - 2);
            int start = wanted;
            if (previous >= 0)
            {
                // The natural continuation of the frame just placed, one hop on: the frame that best resembles it.
                int natural = Math.Min(previous + hop, padded.Length - size);
                var coarseReference = pairs.AsSpan(natural / 2, size / 2);
                float best = 0;
                int coarse = 0;
                for (int delta = -tolerance / 2; delta <= tolerance / 2; delta++)
                {
                    float correlation = TensorPrimitives.Dot(pairs.AsSpan(wanted / 2 + delta, size / 2), coarseReference);
                    if (correlation > best) { best = correlation; coarse = 2 * (wanted / 2 + delta) + natural % 2; }
                }
                if (best > 0)
                {
                    var reference = padded.AsSpan(natural, size);
                    best = float.NegativeInfinity;
                    int around = Math.Clamp(coarse, tolerance + 2, padded.Length - size - tolerance - 2);
                    for (int fine = around - 2; fine <= around + 2; fine++)
                    {
                        float correlation = TensorPrimitives.Dot(padded.AsSpan(fine, size), reference);
                        if (correlation > best) { best = correlation; start = fine; }
                    }
                }
            }
            // Frame centred at output sample `centre`: output index centre − hop … centre + hop, shifted by hop so that
            // index 0 is output sample −hop.
            var frame = padded.AsSpan(start, size);
            var target = output.AsSpan(centre, size);
            for (int j = 0; j < size; j++) target[j] += frame[j] * window[j];
            previous = start;
        }
        return output.AsSpan(hop, length).ToArray();
    }

    /// <summary>The shift in [0, <paramref name="maxDelta"/>) whose stretch of <paramref name="candidates"/> correlates
    /// best with <paramref name="reference"/>; 0 when no shift correlates positively.</summary>
    private static int MostSimilarShift(ReadOnlySpan<float> candidates, ReadOnlySpan<float> reference, int maxDelta)
    {
        int best = 0;
        float bestCorrelation = 0;
        for (int shift = 0; shift < maxDelta; shift++)
        {
            float correlation = TensorPrimitives.Dot(candidates.Slice(shift, reference.Length), reference);
            if (correlation > bestCorrelation)
            {
                bestCorrelation = correlation;
                best = shift;
            }
        }
        return best;
    }
}

using Concentus.Enums;
using Concentus.Structs;
using NWaves.Effects;
using NWaves.Filters.BiQuad;
using NWaves.Operations.Tsm;
using NWaves.Signals;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Dsp;
using Resampler = VoiceEmotion.Pipeline.Audio.Resampler;

namespace VoiceEmotion.Training.Channels;

/// <summary>
/// Applies a <see cref="LineCondition"/> to 16 kHz audio, in the order sound meets them: voice perturbation, room,
/// background, microphone/line filtering, level and clipping, codec, lost packets. Deterministic for a given
/// <see cref="Random"/>. NWaves does the EQ shelf and pitch shifting; the room's convolution is our
/// <see cref="FftConvolution"/> (7–8× NWaves' at its sizes); band limits are our own
/// second-order sections (NWaves' Butterworth designs run as one high-order transfer function, which goes unstable
/// in float at low cut-offs: 4th order at 50 Hz gave NaN); speed and rate changes use our own resampler; the codecs
/// are G.711 (ours), G.722 and GSM 06.10 (ours, src/Training/Channels) and Opus (Concentus).
/// </summary>
public static class LineSimulator
{
    private const int Rate = Resampler.TargetRate;
    private const int PacketSamples = Rate / 50;

    /// <summary>Returns a new signal: the clip as heard through <paramref name="condition"/>. <paramref name="babble"/>
    /// gives clean 16 kHz recordings of other speakers (needed only when the condition has background talkers).</summary>
    public static float[] Apply(float[] audio16k, LineCondition condition, Random random, Func<Random, float[]>? babble = null)
    {
        var c = condition;
        var x = audio16k;
        if (c == LineCondition.Clean || x.Length == 0) return x;
        if (c.Speed != 1) x = Resampler.Resample(x, (int)Math.Round(Rate * c.Speed), Rate);
        if (c.PitchSemitones != 0) x = PitchShift(x, c.PitchSemitones);
        if (c.ReverbRt60Seconds > 0) x = Reverberate(x, c.ReverbRt60Seconds, c.ReverbDrrDb, random);
        double speechPower = ActivePower(x);
        if (c.BabbleTalkers > 0)
        {
            if (babble is null) throw new InvalidOperationException("this condition has background talkers but no babble source was given");
            x = Mix(x, Babble(x.Length, c.BabbleTalkers, babble, random), speechPower, c.BabbleSnrDb);
        }
        if (c.Noise != NoiseKind.None) x = Mix(x, Noise(x.Length, c.Noise, random), speechPower, c.NoiseSnrDb);
        if (c.TiltDb != 0) x = Filter(new HighShelfFilter(1500.0 / Rate, 0.7, c.TiltDb), x);
        if (c.HighPassHz > 0) x = Butterworth4(x, c.HighPassHz, highPass: true);
        if (c.LowPassHz > 0 && c.LowPassHz < Rate / 2) x = Butterworth4(x, c.LowPassHz, highPass: false);
        x = Level(x, c.LevelDb);
        x = c.Codec switch
        {
            LineCodec.None => x,
            LineCodec.MuLaw => Narrowband(x, line => G711Round(line, alaw: false)),
            LineCodec.ALaw => Narrowband(x, line => G711Round(line, alaw: true)),
            LineCodec.Gsm => Narrowband(x, line => Gsm0610.RoundTrip(line)),
            LineCodec.G722 => G722.RoundTrip(x),
            LineCodec.Opus => Opus(x, c.OpusBitRate),
            _ => throw new ArgumentOutOfRangeException(nameof(condition), $"unknown codec {c.Codec}"),
        };
        if (c.PacketLoss > 0) x = LosePackets(x, c.PacketLoss, c.RepeatConcealment, random);
        return x;
    }

    /// <summary>Mean power of the louder half of 25 ms frames: the level of the speech itself, not of its pauses.</summary>
    public static double ActivePower(ReadOnlySpan<float> x)
    {
        const int frame = 400;
        var energies = new List<double>();
        for (int i = 0; i + frame <= x.Length; i += frame)
        {
            double e = 0;
            for (int j = i; j < i + frame; j++) e += x[j] * x[j];
            energies.Add(e / frame);
        }
        if (energies.Count == 0) return 1e-8;
        energies.Sort();
        return Math.Max(1e-10, energies.Skip(energies.Count / 2).Average());
    }

    /// <summary>Adds <paramref name="noise"/> scaled to <paramref name="snrDb"/> below the speech power.</summary>
    public static float[] Mix(float[] speech, float[] noise, double speechPower, double snrDb)
    {
        double noisePower = 0;
        for (int i = 0; i < noise.Length; i++) noisePower += noise[i] * noise[i];
        noisePower /= Math.Max(1, noise.Length);
        if (noisePower <= 0) return speech;
        double gain = Math.Sqrt(speechPower / Math.Pow(10, snrDb / 10) / noisePower);
        var output = new float[speech.Length];
        for (int i = 0; i < output.Length; i++) output[i] = (float)(speech[i] + gain * noise[i]);
        return output;
    }

    /// <summary>Several other speakers talking at once, each at the same active level, looped to the length.</summary>
    public static float[] Babble(int length, int talkers, Func<Random, float[]> source, Random random)
    {
        var sum = new float[length];
        for (int t = 0; t < talkers; t++)
        {
            var talker = source(random);
            if (talker.Length == 0) continue;
            double scale = 1 / Math.Sqrt(ActivePower(talker));
            int offset = random.Next(talker.Length);
            for (int i = 0; i < length; i++) sum[i] += (float)(scale * talker[(offset + i) % talker.Length]);
        }
        return sum;
    }

    /// <summary>Stationary noise of a kind: white, pink (≈ −3 dB/octave), brown (−6 dB/octave), mains hum with
    /// harmonics, or low-passed rumble like a car or an air-conditioned office.</summary>
    public static float[] Noise(int length, NoiseKind kind, Random random)
    {
        var white = new float[length];
        for (int i = 0; i < length; i++) white[i] = (float)Nn.Sampling.Gaussian(random);
        switch (kind)
        {
            case NoiseKind.White:
                return white;
            case NoiseKind.Pink:
            {
                // Equal-gain one-pole low-passes two octaves apart sum to a roughly 1/f spectrum over the speech band.
                var pink = new float[length];
                foreach (double cutoff in new[] { 20.0, 80, 320, 1280, 5120 })
                {
                    double a = Math.Exp(-2 * Math.PI * cutoff / Rate), y = 0, norm = Math.Sqrt((1 + a) / (1 - a));
                    for (int i = 0; i < length; i++) { y = a * y + (1 - a) * white[i]; pink[i] += (float)(y * norm); }
                }
                return pink;
            }
            case NoiseKind.Brown:
                return Leaky(white, 0.995);
            case NoiseKind.Hum:
            {
                double f0 = random.NextDouble() < 0.5 ? 50 : 60;
                var hum = new float[length];
                for (int h = 1; h <= 6; h++)
                {
                    double phase = random.NextDouble() * 2 * Math.PI, amplitude = 1.0 / h;
                    for (int i = 0; i < length; i++) hum[i] += (float)(amplitude * Math.Sin(2 * Math.PI * f0 * h * i / Rate + phase));
                }
                for (int i = 0; i < length; i++) hum[i] += 0.05f * white[i];
                return hum;
            }
            case NoiseKind.LowPass:
            {
                double cutoff = 200 + random.NextDouble() * 800;
                return Butterworth4(Leaky(white, 0.9), cutoff, highPass: false);
            }
            default:
                return new float[length];
        }
    }

    /// <summary>Convolution with a synthetic room response: a direct path, then exponentially decaying Gaussian noise
    /// (decay set by RT60) at the given direct-to-reverberant ratio; the result keeps the input's active level.</summary>
    public static float[] Reverberate(float[] x, double rt60Seconds, double drrDb, Random random)
    {
        int length = (int)(Math.Min(1.0, 1.2 * rt60Seconds) * Rate);
        int predelay = (int)((0.002 + random.NextDouble() * 0.006) * Rate);
        var ir = new float[length];
        ir[0] = 1;
        double tailEnergy = 0;
        for (int n = predelay; n < length; n++)
        {
            ir[n] = (float)(Nn.Sampling.Gaussian(random) * Math.Exp(-6.91 * n / (rt60Seconds * Rate)));
            tailEnergy += ir[n] * ir[n];
        }
        double tailGain = Math.Sqrt(Math.Pow(10, -drrDb / 10) / Math.Max(tailEnergy, 1e-12));
        for (int n = predelay; n < length; n++) ir[n] *= (float)tailGain;
        var output = FftConvolution.Convolve(x, ir, x.Length);
        double scale = Math.Sqrt(ActivePower(x) / ActivePower(output));
        for (int i = 0; i < output.Length; i++) output[i] *= (float)scale;
        return output;
    }

    /// <summary>The same speech at <paramref name="tempo"/> times its rate (above 1 faster, so shorter), pitch and
    /// spectrum kept: WSOLA (waveform-similarity overlap-add), which moves whole pitch periods and so keeps the voice's
    /// own periodicity, where a phase vocoder smears it (about 10 ms per 3 s of speech). Our <see cref="Wsola"/> since
    /// stop 62: NWaves' algorithm and sizes, its search by dot products instead of NWaves' per-hop FFTs (the stretch was
    /// ≈ 45 % of a training draw's time with every session moved). Its output fades in over its first ≈ 50 ms and ends
    /// in ≈ 1,100/tempo samples of silence (NWaves' frame padding, measured on a tone); left as it is, since a corpus
    /// clip's edges are pauses, and the cross-validations since stop 56 ran with it.</summary>
    public static float[] Stretch(float[] x, double tempo)
    {
        if (!(tempo > 0) || !double.IsFinite(tempo)) throw new ArgumentOutOfRangeException(nameof(tempo), tempo, "tempo must be a positive factor");
        if (tempo == 1 || x.Length == 0) return x;
        return Wsola.Stretch(x, 1 / tempo, Rate);
    }

    /// <summary>The same speech with its loudness contour scaled about its active level by <paramref name="exponent"/>:
    /// each 10 ms hop's level (a 50 ms Hann-weighted mean square, in dB) moves to level + (exponent − 1)(level − active
    /// level), so above 1 the loud syllables get louder and the soft ones softer (a speaker with wide dynamics), below 1
    /// the contour flattens (a speaker who holds an even level). Hops more than 40 dB under the active level count as
    /// 40 dB under it (pauses are not lifted out of the noise floor), each hop's gain is held within −24…+12 dB, the gain
    /// glides linearly between hop centres, and the result keeps the input's <see cref="ActivePower"/>. Timing, pitch and
    /// spectrum are the input's.</summary>
    public static float[] ScaleDynamics(float[] x, double exponent)
    {
        if (!(exponent > 0) || !double.IsFinite(exponent) || exponent > 4)
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "dynamics exponent must be in (0, 4]");
        const int hop = LpcHop, half = Rate / 40; // 10 ms hops, as BetweenHopCentres reads them
        if (exponent == 1 || x.Length < 2 * half) return x;
        double active = 10 * Math.Log10(ActivePower(x));
        int hops = (x.Length + hop - 1) / hop;
        var gainDb = new double[hops];
        var window = DynamicsWindow;
        for (int h = 0; h < hops; h++)
        {
            int centre = h * hop + hop / 2;
            double sum = 0, weights = 0;
            for (int n = Math.Max(0, centre - half); n < Math.Min(x.Length, centre + half); n++)
            {
                double w = window[n - centre + half];
                sum += w * x[n] * x[n];
                weights += w;
            }
            double level = Math.Max(10 * Math.Log10(sum / weights + 1e-20), active - 40);
            gainDb[h] = Math.Clamp((exponent - 1) * (level - active), -24, 12);
        }
        var y = new float[x.Length];
        for (int n = 0; n < x.Length; n++) y[n] = (float)(x[n] * Math.Pow(10, BetweenHopCentres(gainDb, n) / 20));
        double keep = Math.Sqrt(ActivePower(x) / ActivePower(y));
        for (int n = 0; n < y.Length; n++) y[n] = (float)(y[n] * keep);
        return y;
    }

    /// <summary><see cref="ScaleDynamics"/>' 50 ms Hann weights by offset from the hop's centre (−25 ms … +25 ms).</summary>
    private static readonly double[] DynamicsWindow =
        [.. Enumerable.Range(-Rate / 40, Rate / 20).Select(offset => 0.5 + 0.5 * Math.Cos(Math.PI * offset / (Rate / 40)))];

    /// <summary>The clip's speech played in another order: between its first and last frame within 35 dB of its loudest
    /// (10 ms frames), cut into pieces of 0.2–0.6 s at the quietest frame of each search span (pauses and the dips
    /// between syllables), the pieces put in a random order other than their own, each faded in and out over 5 ms. The
    /// leading and trailing silence, the length and every piece's own sound are kept; what moves is the order, so the
    /// shape of a measure across a window no longer follows one sentence's words. Too short (under 0.6 s) or one
    /// piece: the input itself.</summary>
    public static float[] ShuffleSegments(float[] x, Random random)
    {
        const int hop = Rate / 100, minPiece = 20, searchSpan = 40, fade = Rate / 200;
        int frames = x.Length / hop;
        if (frames < 3 * minPiece) return x;
        var level = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            double e = 0;
            for (int j = f * hop; j < (f + 1) * hop; j++) e += (double)x[j] * x[j];
            level[f] = 10 * Math.Log10(e / hop + 1e-12);
        }
        double top = level.Max();
        int first = Array.FindIndex(level, v => v > top - 35), last = Array.FindLastIndex(level, v => v > top - 35);
        var smooth = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            int a = Math.Max(0, f - 2), b = Math.Min(frames - 1, f + 2);
            double s = 0;
            for (int g = a; g <= b; g++) s += level[g];
            smooth[f] = s / (b - a + 1);
        }
        var cuts = new List<int> { first };
        for (int pos = first + minPiece; pos < last + 1 - minPiece;)
        {
            int end = Math.Min(pos + searchSpan, last + 1 - minPiece), best = pos;
            for (int f = pos + 1; f < end; f++) if (smooth[f] < smooth[best]) best = f;
            cuts.Add(best);
            pos = best + minPiece;
        }
        cuts.Add(last + 1);
        int pieces = cuts.Count - 1;
        if (pieces < 2) return x;
        var order = new int[pieces];
        for (int k = 0; k < pieces; k++) order[k] = k;
        bool same;
        do
        {
            random.Shuffle(order);
            same = true;
            for (int k = 0; k < pieces && same; k++) same = order[k] == k;
        }
        while (same);
        var y = (float[])x.Clone();
        int at = first * hop;
        foreach (int p in order)
        {
            int from = cuts[p] * hop, length = (cuts[p + 1] - cuts[p]) * hop;
            for (int j = 0; j < length; j++)
            {
                int edge = Math.Min(j, length - 1 - j);
                y[at + j] = edge < fade ? x[from + j] * (edge / (float)fade) : x[from + j];
            }
            at += length;
        }
        return y;
    }

    /// <summary>The same speech with its voice's pitch moved by <paramref name="semitones"/> and its spectral envelope,
    /// timing and active level kept: another speaker's habitual pitch, about the same vocal tract. Source-filter: each
    /// 10 ms hop's envelope is an order-12 linear prediction over a 25 ms Hann window (autocorrelation method, so every
    /// synthesis filter is stable; order 12 rather than 18 because higher orders fit a high voice's harmonics, not its
    /// formants); the prediction residual (the source, roughly flat) is played faster by the pitch ratio with our
    /// resampler, WSOLA-stretched back to its length (<see cref="Stretch"/>), and coloured again by the same hops'
    /// envelopes (<see cref="Reshape"/>). Where <see cref="PitchShift"/> (NWaves' phase vocoder) moves the whole spectrum,
    /// formants with it, this moves the harmonics under the envelope. Measured on three corpus clips at ±4 st (stop 59):
    /// F0 moves by the ratio within 3 %; the long-term spectrum's five octave-band shares move by 0.2–5 dB (sum of the
    /// five 5–12 dB; a plain resample-and-stretch's 3–17 dB), the largest on upward shifts; more frames lose voicing
    /// than with a plain shift downward.</summary>
    public static float[] ShiftPitchKeepingFormants(float[] x, double semitones)
    {
        if (!double.IsFinite(semitones) || Math.Abs(semitones) > 12)
            throw new ArgumentOutOfRangeException(nameof(semitones), semitones, "pitch shift must be finite and within an octave");
        if (semitones == 0 || x.Length < LpcWindow) return x;
        double ratio = Math.Pow(2, semitones / 12);
        var envelope = HopPredictors(x);
        var source = Reshape(x, envelope, null);
        var moved = Stretch(Resampler.Resample(source, (int)Math.Round(Rate * ratio), Rate), 1 / ratio);
        Array.Resize(ref moved, x.Length);
        var y = Reshape(moved, null, envelope);
        double gain = Math.Sqrt(ActivePower(x) / ActivePower(y));
        for (int n = 0; n < y.Length; n++) y[n] = (float)(y[n] * gain);
        return y;
    }

    /// <summary>The same speech with its intonation's range scaled by <paramref name="factor"/> about the clip's median
    /// pitch, its spectral envelope, timing and active level kept: a speaker whose pitch moves more (above 1) or less
    /// (below 1) around the same habitual pitch. Each 10 ms hop's F0 (YIN over 40 ms; voiced where aperiodicity is under
    /// 0.3 and the hop within 30 dB of the active level; a hop 9 st off its neighbours' median, an octave error, folded
    /// back by 12; then the median of five voiced hops) gives its distance d from the clip's median in semitones (held
    /// within ±12); the hop's pitch moves by (factor − 1)·d (held within ±8 st), unvoiced hops taking their voiced
    /// neighbours' moves, smoothed over 50 ms. The prediction residual (as in <see cref="ShiftPitchKeepingFormants"/>) is
    /// read at that hop's rate (cubic interpolation), played back on the original timing by a time-varying WSOLA
    /// (<see cref="Wsola.Follow"/>) and coloured again by the hops' envelopes. Fewer than five voiced hops, or a factor
    /// of 1: the input itself.</summary>
    public static float[] ScalePitchRange(float[] x, double factor)
    {
        if (!(factor > 0) || !double.IsFinite(factor) || factor > 4)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "pitch range factor must be in (0, 4]");
        if (factor == 1 || x.Length < 4 * LpcWindow) return x;
        var moves = PitchRangeMoves(x, factor);
        if (moves is null) return x;

        var envelope = HopPredictors(x);
        var source = Reshape(x, envelope, null);
        // Read the source faster where the pitch rises (ratio above 1), slower where it falls: read[m] is where output
        // sample m of the sped-up source was read from.
        var read = new List<double>(x.Length);
        var sped = new List<float>(x.Length);
        for (double position = 0; position < source.Length - 1; position += Math.Pow(2, BetweenHopCentres(moves, position) / 12))
        {
            read.Add(position);
            sped.Add(Cubic(source, position));
        }
        // Back on the original timing: output sample t plays the sped-up sample that was read from t.
        double SpedIndexOf(double t)
        {
            int i = read.BinarySearch(t);
            if (i >= 0) return i;
            i = ~i;
            if (i == 0) return 0;
            if (i >= read.Count) return read.Count - 1 + (t - read[^1]);
            return i - 1 + (t - read[i - 1]) / (read[i] - read[i - 1]);
        }
        var moved = Wsola.Follow(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sped), SpedIndexOf, x.Length, Rate);
        var y = Reshape(moved, null, envelope);
        double gain = Math.Sqrt(ActivePower(x) / ActivePower(y));
        for (int n = 0; n < y.Length; n++) y[n] = (float)(y[n] * gain);
        return y;
    }

    /// <summary>Each 10 ms hop's pitch move in semitones for <see cref="ScalePitchRange"/>; null when the clip has fewer
    /// than five voiced hops.</summary>
    private static double[]? PitchRangeMoves(float[] x, double factor)
    {
        const int buffer = 2 * Rate / 25;
        int hops = (x.Length + LpcHop - 1) / LpcHop;
        var tracker = new PitchTracker(Rate, 60, 500, buffer);
        double gate = 10 * Math.Log10(ActivePower(x)) - 30;
        var frame = new float[buffer];
        var semitones = new double[hops];
        for (int h = 0; h < hops; h++)
        {
            int start = h * LpcHop + LpcHop / 2 - buffer / 2;
            double energy = 0;
            for (int i = 0; i < buffer; i++)
            {
                int n = start + i;
                frame[i] = n >= 0 && n < x.Length ? x[n] : 0;
                energy += frame[i] * frame[i];
            }
            semitones[h] = double.NaN;
            if (10 * Math.Log10(energy / buffer + 1e-20) < gate) continue;
            var (f0, aperiodicity, _) = tracker.Estimate(frame);
            if (f0 > 0 && aperiodicity < 0.3f) semitones[h] = 12 * Math.Log2(f0 / 100.0);
        }
        // A hop more than 9 st from the median of the voiced hops within 50 ms of it is taken for the tracker's octave
        // error and folded back by 12 (intonation does not leap that far in 50 ms); then a five-hop median over the voiced
        // hops around each voiced hop.
        var near = new List<double>(11);
        double NearMedian(double[] track, int h, int reach)
        {
            near.Clear();
            for (int k = Math.Max(0, h - reach); k <= Math.Min(hops - 1, h + reach); k++) if (!double.IsNaN(track[k])) near.Add(track[k]);
            near.Sort();
            return near[near.Count / 2];
        }
        var folded = new double[hops];
        for (int h = 0; h < hops; h++)
        {
            folded[h] = semitones[h];
            if (double.IsNaN(semitones[h])) continue;
            double leap = semitones[h] - NearMedian(semitones, h, 5);
            if (Math.Abs(leap) > 9) folded[h] -= 12 * Math.Sign(leap);
        }
        var smoothed = new double[hops];
        for (int h = 0; h < hops; h++) smoothed[h] = double.IsNaN(folded[h]) ? double.NaN : NearMedian(folded, h, 2);
        var voiced = smoothed.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (voiced.Length < 5) return null;
        double median = voiced[voiced.Length / 2];
        var moves = new double[hops];
        int last = -1;
        for (int h = 0; h < hops; h++)
        {
            if (double.IsNaN(smoothed[h])) continue;
            moves[h] = Math.Clamp((factor - 1) * Math.Clamp(smoothed[h] - median, -12, 12), -8, 8);
            // Unvoiced hops between two voiced ones glide from one's move to the other's; before the first, the first's.
            for (int k = last + 1; k < h; k++) moves[k] = last < 0 ? moves[h] : moves[last] + (moves[h] - moves[last]) * (k - last) / (h - last);
            last = h;
        }
        for (int k = last + 1; k < hops; k++) moves[k] = moves[last];
        // Smoothed over five hops (50 ms), so the reading rate has no steps.
        var result = new double[hops];
        for (int h = 0; h < hops; h++)
        {
            double sum = 0;
            int count = 0;
            for (int k = Math.Max(0, h - 2); k <= Math.Min(hops - 1, h + 2); k++) { sum += moves[k]; count++; }
            result[h] = sum / count;
        }
        return result;
    }

    /// <summary>Values given at the centres of 10 ms hops, read at a sample position: linear between two centres, the
    /// end values held beyond the first and last.</summary>
    private static double BetweenHopCentres(double[] values, double sample)
    {
        double position = (sample - LpcHop / 2.0) / LpcHop;
        int h = Math.Clamp((int)Math.Floor(position), 0, values.Length - 1);
        double t = Math.Clamp(position - h, 0, 1);
        return h + 1 < values.Length ? values[h] + t * (values[h + 1] - values[h]) : values[h];
    }

    // Catmull-Rom interpolation of x at a fractional position (zeros outside).
    private static float Cubic(float[] x, double position)
    {
        int i = (int)Math.Floor(position);
        double t = position - i;
        double At(int n) => n >= 0 && n < x.Length ? x[n] : 0;
        double p0 = At(i - 1), p1 = At(i), p2 = At(i + 1), p3 = At(i + 2);
        return (float)(p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0))));
    }

    private const int LpcOrder = 12, LpcHop = Rate / 100, LpcWindow = Rate * 25 / 1000;

    /// <summary>The predictors' 25 ms analysis window and <see cref="Reshape"/>'s 20 ms cross-fade (Hann windows both).</summary>
    private static readonly double[] LpcAnalysisWindow =
        [.. Enumerable.Range(0, LpcWindow).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * (i + 0.5) / LpcWindow))];
    private static readonly double[] CrossFade =
        [.. Enumerable.Range(0, 2 * LpcHop).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / (2 * LpcHop)))];

    /// <summary>Each 10 ms hop's predictor (autocorrelation method over a 25 ms Hann window centred on the hop, so
    /// every synthesis filter is stable), <see cref="LpcOrder"/> coefficients per hop.</summary>
    private static double[] HopPredictors(float[] x)
    {
        int hops = (x.Length + LpcHop - 1) / LpcHop;
        var lpc = new double[hops * LpcOrder];
        var segment = new double[LpcWindow];
        var correlation = new double[LpcOrder + 1];
        for (int h = 0; h < hops; h++)
        {
            int start = h * LpcHop + LpcHop / 2 - LpcWindow / 2;
            for (int i = 0; i < LpcWindow; i++)
            {
                int n = start + i;
                segment[i] = n >= 0 && n < x.Length ? x[n] * LpcAnalysisWindow[i] : 0;
            }
            for (int lag = 0; lag <= LpcOrder; lag++)
            {
                double sum = 0;
                for (int i = lag; i < LpcWindow; i++) sum += segment[i] * segment[i - lag];
                correlation[lag] = sum;
            }
            // A −40 dB noise floor keeps near-silent or pure-tone hops well conditioned.
            correlation[0] = correlation[0] * (1 + 1e-4) + 1e-12;
            LevinsonDurbin(correlation, lpc.AsSpan(h * LpcOrder, LpcOrder));
        }
        return lpc;
    }

    /// <summary>Each hop of <paramref name="x"/> through A_from(z) / A_to(z) — whitened by one hop predictor (null: not
    /// whitened), coloured by the other (null: not coloured) — with the hops cross-faded: every hop's 20 ms Hann-windowed
    /// piece (the windows sum to one at a 10 ms hop) is filtered alone, its all-pole ringing kept for 25 ms, and the
    /// pieces added, so the filter glides from hop to hop. (A first version switched filters at hop edges, a click every
    /// 10 ms; with order 18 it kept 66 of a male clip's 97 voiced frames at −4 st, this one 79.)</summary>
    private static float[] Reshape(float[] x, double[]? from, double[]? to)
    {
        const int span = 2 * LpcHop, ring = Rate / 40;
        var piece = new double[span + LpcOrder + ring];
        var y = new double[x.Length];
        for (int h = 0, hops = (x.Length + LpcHop - 1) / LpcHop; h < hops; h++)
        {
            int start = h * LpcHop + LpcHop / 2 - LpcHop;
            var a = from is null ? default : from.AsSpan(h * LpcOrder, LpcOrder);
            var b = to is null ? default : to.AsSpan(h * LpcOrder, LpcOrder);
            Array.Clear(piece);
            for (int i = 0; i < span; i++)
            {
                int n = start + i;
                if (n < 0 || n >= x.Length) continue;
                double v = x[n] * CrossFade[i];
                piece[i] += v;
                for (int k = 1; k <= a.Length; k++) piece[i + k] += v * a[k - 1];
            }
            for (int i = 0; i < piece.Length; i++)
            {
                double v = piece[i];
                for (int k = 1; k <= b.Length && k <= i; k++) v -= b[k - 1] * piece[i - k];
                piece[i] = v;
                int n = start + i;
                if (n >= 0 && n < y.Length) y[n] += v;
            }
        }
        var output = new float[y.Length];
        for (int n = 0; n < y.Length; n++) output[n] = (float)y[n];
        return output;
    }

    /// <summary>Levinson–Durbin recursion: the prediction coefficients a_1…a_p (in <paramref name="a"/>, p = its length)
    /// with e[n] = x[n] + Σ a_k x[n − k] of least power, from the autocorrelation r_0…r_p.</summary>
    internal static void LevinsonDurbin(ReadOnlySpan<double> r, Span<double> a)
    {
        int p = a.Length;
        Span<double> previous = stackalloc double[p];
        a.Clear();
        double error = r[0];
        for (int i = 0; i < p; i++)
        {
            double acc = r[i + 1];
            for (int k = 0; k < i; k++) acc += a[k] * r[i - k];
            double reflection = -acc / error;
            a[..i].CopyTo(previous);
            for (int k = 0; k < i; k++) a[k] = previous[k] + reflection * previous[i - 1 - k];
            a[i] = reflection;
            error *= 1 - reflection * reflection;
            if (error <= 0) break;
        }
    }

    /// <summary>Shifts pitch by semitones, keeping duration (NWaves phase vocoder with phase locking).</summary>
    public static float[] PitchShift(float[] x, double semitones)
    {
        var effect = new PitchShiftEffect(Math.Pow(2, semitones / 12), 1024, 256, TsmAlgorithm.PhaseVocoderPhaseLocking);
        var shifted = effect.ApplyTo(new DiscreteSignal(Rate, x)).Samples;
        var output = new float[x.Length];
        shifted.AsSpan(0, Math.Min(shifted.Length, output.Length)).CopyTo(output);
        return output;
    }

    /// <summary>Gain in dB, then the 16-bit range's hard limit: loud lines clip as real ones do.</summary>
    public static float[] Level(float[] x, double levelDb)
    {
        float gain = (float)Math.Pow(10, levelDb / 20);
        var output = new float[x.Length];
        for (int i = 0; i < x.Length; i++) output[i] = Math.Clamp(x[i] * gain, -1f, 1f);
        return output;
    }

    /// <summary>Lost 20 ms packets, each independently with probability <paramref name="rate"/>: silence, or the last
    /// good packet again at half amplitude (what simple jitter buffers do).</summary>
    public static float[] LosePackets(float[] x, double rate, bool repeat, Random random)
    {
        var output = (float[])x.Clone();
        int lastGood = -1;
        for (int start = 0; start < output.Length; start += PacketSamples)
        {
            int n = Math.Min(PacketSamples, output.Length - start);
            if (random.NextDouble() >= rate) { lastGood = start; continue; }
            var packet = output.AsSpan(start, n);
            if (repeat && lastGood >= 0)
                for (int i = 0; i < n; i++) packet[i] = 0.5f * x[lastGood + Math.Min(i, PacketSamples - 1)];
            else packet.Clear();
        }
        return output;
    }

    /// <summary>Opus at a bit rate (Concentus, pure C#), 20 ms frames at 16 kHz, VoIP mode.</summary>
    public static float[] Opus(float[] x, int bitRate)
    {
        // The managed classes on purpose: the factory would pick a native libopus where one is installed, and
        // augmentation must give the same audio on every machine for a seed.
#pragma warning disable CS0618
        var encoder = new OpusEncoder(Rate, 1, OpusApplication.OPUS_APPLICATION_VOIP) { Bitrate = bitRate, Complexity = 5 };
        var decoder = new OpusDecoder(Rate, 1);
#pragma warning restore CS0618
        var frame = new short[PacketSamples];
        var decoded = new short[PacketSamples];
        var packet = new byte[1275];
        int delay = encoder.Lookahead;
        var output = new float[x.Length];
        int total = x.Length + delay;
        for (int start = 0; start < total; start += PacketSamples)
        {
            for (int i = 0; i < PacketSamples; i++)
            {
                int k = start + i;
                frame[i] = k < x.Length ? (short)Math.Clamp(x[k] * 32767f, -32768f, 32767f) : (short)0;
            }
            int bytes = encoder.Encode(frame, PacketSamples, packet, packet.Length);
            int n = decoder.Decode(packet.AsSpan(0, bytes), decoded, PacketSamples, false);
            for (int i = 0; i < n; i++)
            {
                int k = start + i - delay;
                if (k >= 0 && k < output.Length) output[k] = decoded[i] / 32768f;
            }
        }
        return output;
    }

    private static float[] Narrowband(float[] x, Func<float[], float[]> codec)
    {
        var line = Resampler.Resample(x, Rate, TelephoneChannel.LineRate);
        var back = Resampler.Resample(codec(line), TelephoneChannel.LineRate, Rate);
        var output = new float[x.Length];
        back.AsSpan(0, Math.Min(back.Length, output.Length)).CopyTo(output);
        return output;
    }

    private static float[] G711Round(float[] line, bool alaw)
    {
        var output = new float[line.Length];
        for (int i = 0; i < line.Length; i++)
            output[i] = alaw ? G711.ALawDecode(G711.ALawEncode(line[i])) / 32768f : G711.MuLawDecode(G711.MuLawEncode(line[i])) / 32768f;
        return output;
    }

    private static float[] Filter(NWaves.Filters.Base.IFilter filter, float[] x) =>
        filter.ApplyTo(new DiscreteSignal(Rate, x)).Samples.AsSpan(0, x.Length).ToArray();

    /// <summary>4th-order Butterworth high- or low-pass as two biquads in double precision (stable at any cut-off).</summary>
    public static float[] Butterworth4(float[] x, double cutoffHz, bool highPass)
    {
        var output = (float[])x.Clone();
        foreach (double q in Biquad.Butterworth4Q)
            (highPass ? Biquad.HighPass(Rate, cutoffHz, q) : Biquad.LowPass(Rate, cutoffHz, q)).Process(output);
        return output;
    }

    private static float[] Leaky(float[] white, double a)
    {
        var output = new float[white.Length];
        double y = 0;
        for (int i = 0; i < white.Length; i++) { y = a * y + white[i]; output[i] = (float)y; }
        return output;
    }
}

namespace VoiceEmotion.Pipeline.Tests;

/// <summary>Synthetic test signals generated in code (no recorded audio in the repository).</summary>
internal static class Signals
{
    public static float[] Tone(double frequencyHz, int sampleRate, double seconds, double amplitude = 0.5, double phase = 0)
    {
        var x = new float[(int)(sampleRate * seconds)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequencyHz * i / sampleRate + phase));
        return x;
    }

    /// <summary>A harmonic tone (fundamental plus decaying harmonics), like a sustained vowel.</summary>
    public static float[] Harmonic(double f0Hz, int sampleRate, double seconds, int harmonics = 8, double amplitude = 0.5)
    {
        var x = new float[(int)(sampleRate * seconds)];
        for (int h = 1; h <= harmonics; h++)
        {
            double f = f0Hz * h;
            if (f >= sampleRate / 2.0) break;
            double a = amplitude / h;
            for (int i = 0; i < x.Length; i++) x[i] += (float)(a * Math.Sin(2 * Math.PI * f * i / sampleRate));
        }
        return x;
    }

    public static float[] WhiteNoise(int count, int seed, double amplitude = 0.3)
    {
        var random = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * amplitude);
        return x;
    }

    /// <summary>Speech-like: voiced segments with gliding pitch, separated by noise bursts and pauses.</summary>
    public static float[] SpeechLike(int sampleRate, double seconds, int seed)
    {
        var random = new Random(seed);
        var x = new float[(int)(sampleRate * seconds)];
        int i = 0;
        while (i < x.Length)
        {
            int kind = random.Next(3);
            int length = (int)(sampleRate * (0.1 + random.NextDouble() * 0.4));
            double f0 = 90 + random.NextDouble() * 200, glide = (random.NextDouble() - 0.5) * 100, phase = 0;
            double amplitude = 0.05 + random.NextDouble() * 0.4;
            for (int n = 0; n < length && i < x.Length; n++, i++)
            {
                if (kind == 0)
                {
                    double f = f0 + glide * n / length;
                    phase += 2 * Math.PI * f / sampleRate;
                    double v = 0;
                    for (int h = 1; h <= 10 && f * h < sampleRate / 2.0; h++) v += Math.Sin(h * phase) / h;
                    x[i] = (float)(amplitude * 0.5 * v);
                }
                else if (kind == 1) x[i] = (float)((random.NextDouble() * 2 - 1) * amplitude * 0.3);
                else x[i] = (float)((random.NextDouble() * 2 - 1) * 1e-4);
            }
        }
        return x;
    }

    /// <summary>RMS of what is left of <paramref name="x"/> after the least-squares fit of a sine at
    /// <paramref name="frequencyHz"/> (any amplitude and phase) plus a constant.</summary>
    public static double SineResidualRms(ReadOnlySpan<float> x, double frequencyHz, int sampleRate)
    {
        // Normal equations of [sin, cos, 1] — 3×3, solved by Cramer's rule.
        double w = 2 * Math.PI * frequencyHz / sampleRate;
        double ss = 0, sc = 0, s1 = 0, cc = 0, c1 = 0, n = x.Length, xs = 0, xc = 0, x1 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double si = Math.Sin(w * i), ci = Math.Cos(w * i);
            ss += si * si; sc += si * ci; s1 += si; cc += ci * ci; c1 += ci;
            xs += x[i] * si; xc += x[i] * ci; x1 += x[i];
        }
        static double Det(double a, double b, double c, double d, double e, double f, double g, double h, double k) =>
            a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g);
        double det = Det(ss, sc, s1, sc, cc, c1, s1, c1, n);
        double A = Det(xs, sc, s1, xc, cc, c1, x1, c1, n) / det;
        double B = Det(ss, xs, s1, sc, xc, c1, s1, x1, n) / det;
        double C = Det(ss, sc, xs, sc, cc, xc, s1, c1, x1) / det;
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double r = x[i] - (A * Math.Sin(w * i) + B * Math.Cos(w * i) + C);
            sum += r * r;
        }
        return Math.Sqrt(sum / x.Length);
    }

    public static double Rms(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (float v in x) sum += (double)v * v;
        return x.Length == 0 ? 0 : Math.Sqrt(sum / x.Length);
    }

    /// <summary>Cuts a span into random chunk sizes (seeded), including tiny ones.</summary>
    public static IEnumerable<Range> RandomChunks(int length, int seed, int maxChunk)
    {
        var random = new Random(seed);
        int start = 0;
        while (start < length)
        {
            int size = random.Next(4) == 0 ? random.Next(1, 4) : random.Next(1, maxChunk + 1);
            size = Math.Min(size, length - start);
            yield return new Range(start, start + size);
            start += size;
        }
    }
}

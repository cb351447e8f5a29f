namespace VoiceEmotion.Bench;

/// <summary>Deterministic speech-like test signals.</summary>
internal static class SyntheticSpeech
{
    /// <summary>Today's mixed signal: voiced segments with gliding pitch, noise bursts and pauses, a third each
    /// (pitch is skipped on the pauses, so it flatters the cost of a call that is mostly talk).</summary>
    public static float[] Generate(int samples, int seed = 1)
    {
        var random = new Random(seed);
        var x = new float[samples];
        int i = 0;
        while (i < x.Length)
        {
            int kind = random.Next(3);
            int length = 1600 + random.Next(6400);
            double f0 = 90 + random.NextDouble() * 200, glide = (random.NextDouble() - 0.5) * 100, phase = 0;
            double amplitude = 0.05 + random.NextDouble() * 0.4;
            for (int n = 0; n < length && i < x.Length; n++, i++)
            {
                if (kind == 0)
                {
                    phase += 2 * Math.PI * (f0 + glide * n / length) / 16000;
                    double v = 0;
                    for (int h = 1; h <= 10; h++) v += Math.Sin(h * phase) / h;
                    x[i] = (float)(amplitude * 0.5 * v);
                }
                else if (kind == 1) x[i] = (float)((random.NextDouble() * 2 - 1) * amplitude * 0.3);
                else x[i] = (float)((random.NextDouble() * 2 - 1) * 1e-4);
            }
        }
        return x;
    }

    /// <summary>
    /// Continuous speech: syllable-length voiced stretches (gliding pitch 80–320 Hz, harmonics up to 4 kHz, a slow
    /// amplitude envelope) joined by short fricative-like noise bursts (30–120 ms) and rare short gaps (≤ 80 ms, at
    /// −50 dBFS, never long enough to count as a pause). Every frame is loud enough for the pitch search, so this is
    /// the cost of a caller who keeps talking — the worst case per second of audio.
    /// </summary>
    public static float[] GenerateContinuous(int samples, int seed = 1)
    {
        var random = new Random(seed);
        var x = new float[samples];
        double phase = 0;
        int i = 0;
        while (i < x.Length)
        {
            double pick = random.NextDouble();
            if (pick < 0.75)
            {
                int length = 1600 + random.Next(4800); // 100–400 ms syllables
                double f0 = 80 + random.NextDouble() * 240, glide = (random.NextDouble() - 0.5) * 120;
                double amplitude = 0.05 + random.NextDouble() * 0.3;
                for (int n = 0; n < length && i < x.Length; n++, i++)
                {
                    double f = f0 + glide * n / length;
                    phase += 2 * Math.PI * f / 16000;
                    double v = 0;
                    for (int h = 1; h * f < 4000; h++) v += Math.Sin(h * phase) / h;
                    double envelope = 0.4 + 0.6 * Math.Sin(Math.PI * n / length);
                    x[i] = (float)(amplitude * 0.5 * envelope * v + (random.NextDouble() - 0.5) * 1e-3);
                }
            }
            else if (pick < 0.95)
            {
                int length = 480 + random.Next(1440); // 30–120 ms
                double amplitude = 0.02 + random.NextDouble() * 0.1;
                for (int n = 0; n < length && i < x.Length; n++, i++) x[i] = (float)((random.NextDouble() * 2 - 1) * amplitude);
            }
            else
            {
                int length = 160 + random.Next(1120); // 10–80 ms
                for (int n = 0; n < length && i < x.Length; n++, i++) x[i] = (float)((random.NextDouble() * 2 - 1) * 3e-3);
            }
        }
        return x;
    }
}

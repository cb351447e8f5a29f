namespace VoiceEmotion.Bench;

/// <summary>A deterministic speech-like test signal: voiced segments with gliding pitch, noise bursts and pauses.</summary>
internal static class SyntheticSpeech
{
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
}

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>Voice-like audio made in code (harmonic tones with gliding pitch, short pauses): for warming the service up
/// and for tests and soaks, with no dataset audio needed. Deterministic for a seed.</summary>
public static class SyntheticVoice
{
    public static float[] Generate(int sampleRate, double seconds, int seed = 1)
    {
        var random = new Random(seed);
        var x = new float[(int)(sampleRate * seconds)];
        double phase = 0;
        int i = 0;
        while (i < x.Length)
        {
            int length = (int)(sampleRate * (0.3 + random.NextDouble() * 0.4));
            double f0 = 110 + random.NextDouble() * 150, glide = (random.NextDouble() - 0.5) * 80;
            bool pause = random.Next(5) == 0;
            for (int n = 0; n < length && i < x.Length; n++, i++)
            {
                if (pause) { x[i] = 0; continue; }
                phase += 2 * Math.PI * (f0 + glide * n / length) / sampleRate;
                double v = 0;
                for (int h = 1; h <= 12 && h * f0 < sampleRate / 2.0; h++) v += Math.Sin(h * phase) / h;
                x[i] = (float)(0.25 * v * Math.Sin(Math.PI * n / length));
            }
        }
        return x;
    }
}

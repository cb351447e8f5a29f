namespace VoiceEmotion.Training.Nn;

/// <summary>Deterministic seed mixing (SplitMix64); unlike HashCode it is the same in every process.</summary>
public static class Seeds
{
    public static int Mix(int a, int b, int c)
    {
        ulong x = (ulong)(uint)a * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)b * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)c * 0x94D049BB133111EBUL;
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }
}

using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Synthetic voice-like audio (harmonic tones with gliding pitch, short pauses) made in code, shared with the soak.</summary>
internal static class TestAudio
{
    public static float[] Voice(int sampleRate, double seconds, int seed = 1) => SyntheticVoice.Generate(sampleRate, seconds, seed);

    public static byte[] Encode(float[] samples, AudioEncoding encoding) => AudioEncodings.Encode(samples, encoding);

    public static IEnumerable<byte[]> Chunks(byte[] bytes, int chunkBytes)
    {
        for (int i = 0; i < bytes.Length; i += chunkBytes) yield return bytes.AsSpan(i, Math.Min(chunkBytes, bytes.Length - i)).ToArray();
    }
}

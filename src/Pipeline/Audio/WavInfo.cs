namespace VoiceEmotion.Pipeline.Audio;

/// <summary>What a WAV file's header declares.</summary>
public sealed record WavInfo(
    WavSampleFormat SampleFormat,
    int FormatTag,
    int Channels,
    int SampleRate,
    int BitsPerSample,
    long DataBytes)
{
    public int BytesPerFrame => Channels * (BitsPerSample / 8);
}

/// <summary>Sample layouts the WAV reader and writer know.</summary>
public enum WavSampleFormat
{
    Pcm8,
    Pcm16,
    Pcm24,
    Pcm32,
    Float32,
    Float64,
    MuLaw,
    ALaw,
}

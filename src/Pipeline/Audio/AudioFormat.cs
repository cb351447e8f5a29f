namespace VoiceEmotion.Pipeline.Audio;

/// <summary>The declared format of a live audio stream.</summary>
public sealed record AudioFormat(AudioEncoding Encoding, int SampleRate, int Channels)
{
    public const int MinSampleRate = 8000;
    public const int MaxSampleRate = 96000;
    public const int MaxChannels = 2;

    /// <summary>Bytes of one multi-channel sample frame.</summary>
    public int BytesPerFrame => Encoding.BytesPerSample() * Channels;

    /// <summary>Throws <see cref="AudioFormatException"/> naming what is out of range.</summary>
    public AudioFormat Validate()
    {
        if (!Enum.IsDefined(Encoding))
            throw new AudioFormatException($"unknown audio encoding {(int)Encoding}");
        if (SampleRate < MinSampleRate || SampleRate > MaxSampleRate)
            throw new AudioFormatException(
                $"sample rate {SampleRate} Hz is not supported: expected {MinSampleRate}–{MaxSampleRate} Hz");
        if (Channels < 1 || Channels > MaxChannels)
            throw new AudioFormatException($"{Channels} channels is not supported: expected 1 or 2");
        return this;
    }

    /// <summary>Builds and validates a format from wire values.</summary>
    public static AudioFormat Parse(string? encoding, int sampleRate, int channels) =>
        new AudioFormat(AudioEncodings.Parse(encoding), sampleRate, channels).Validate();
}

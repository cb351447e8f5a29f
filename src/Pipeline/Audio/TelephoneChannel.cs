using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Pipeline.Audio;

/// <summary>
/// Simulates a narrow-band phone line on 16 kHz audio: down to 8 kHz, 300–3400 Hz band-pass (4th-order Butterworth
/// each side), G.711 mu-law round trip, back up to 16 kHz. Used for training augmentation and the telephone evaluation.
/// </summary>
public static class TelephoneChannel
{
    public const int LineRate = 8000;
    public const double LowCutHz = 300, HighCutHz = 3400;

    /// <summary>Passes 16 kHz audio through the simulated line; the result has the same rate and about the same length.</summary>
    public static float[] Apply(ReadOnlySpan<float> audio16k)
    {
        var narrow = Resampler.Resample(audio16k, Resampler.TargetRate, LineRate);
        foreach (double q in Biquad.Butterworth4Q)
        {
            Biquad.HighPass(LineRate, LowCutHz, q).Process(narrow);
            Biquad.LowPass(LineRate, HighCutHz, q).Process(narrow);
        }
        for (int i = 0; i < narrow.Length; i++)
            narrow[i] = G711.MuLawFloat[G711.MuLawEncode(narrow[i])];
        return Resampler.Resample(narrow, LineRate, Resampler.TargetRate);
    }
}

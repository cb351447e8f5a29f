namespace VoiceEmotion.Pipeline.Audio;

/// <summary>A whole mono recording as float samples in [-1, 1].</summary>
public sealed record AudioClip(float[] Samples, int SampleRate)
{
    public double DurationSeconds => SampleRate > 0 ? (double)Samples.Length / SampleRate : 0;

    /// <summary>This clip at 16 kHz (the Pipeline's rate); returns itself when already there.</summary>
    public AudioClip To16k() =>
        SampleRate == Resampler.TargetRate ? this : new AudioClip(Resampler.Resample(Samples, SampleRate, Resampler.TargetRate), Resampler.TargetRate);
}

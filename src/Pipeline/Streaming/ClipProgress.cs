namespace VoiceEmotion.Pipeline.Streaming;

/// <summary>How far a recording's analysis has come; written by the analysis, read from any thread.</summary>
public sealed class ClipProgress
{
    private double _analysed, _total = -1;
    private int _sampleRate;

    /// <summary>The recording's own sample rate (0 until its header has been read).</summary>
    public int SampleRate => Volatile.Read(ref _sampleRate);

    /// <summary>Seconds of audio analysed (updates completed) so far.</summary>
    public double SecondsAnalysed => Volatile.Read(ref _analysed);

    /// <summary>Length of the recording, when its header declares it.</summary>
    public double? TotalSeconds => Volatile.Read(ref _total) is var t and >= 0 ? t : null;

    internal void Started(int sampleRate, double? totalSeconds)
    {
        Volatile.Write(ref _total, totalSeconds ?? -1);
        Volatile.Write(ref _sampleRate, sampleRate);
    }

    internal void Analysed(double seconds) => Volatile.Write(ref _analysed, seconds);
}

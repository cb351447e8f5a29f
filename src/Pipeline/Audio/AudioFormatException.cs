namespace VoiceEmotion.Pipeline.Audio;

/// <summary>Audio that is malformed or in a format the Pipeline does not read. The message names the problem.</summary>
public sealed class AudioFormatException : Exception
{
    public AudioFormatException(string message) : base(message) { }

    public AudioFormatException(string message, Exception inner) : base(message, inner) { }
}

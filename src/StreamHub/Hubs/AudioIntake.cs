using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.StreamHub.Sessions;

namespace VoiceEmotion.StreamHub.Hubs;

/// <summary>
/// The hub's checks on one session's incoming chunks (StreamAudio, StreamAudioBundle): not empty, whole sample frames
/// of the declared format, within the chunk size limit, and the session within its audio-length limit.
/// </summary>
internal sealed class AudioIntake(AudioFormat format, StreamHubOptions limits)
{
    private readonly double _bytesPerSecond = (double)format.SampleRate * format.BytesPerFrame;
    private long _bytes;

    /// <summary>The error code and message for this chunk, or null when it is fine (and then it is counted).</summary>
    public (string Code, string Message)? Problem(byte[]? chunk)
    {
        int frameBytes = format.BytesPerFrame;
        if (chunk is null || chunk.Length == 0) return (HubError.ChunkInvalid, "empty audio chunk");
        if (chunk.Length > limits.MaxChunkBytes)
            return (HubError.ChunkTooLarge, $"chunk of {chunk.Length} bytes is over the limit of {limits.MaxChunkBytes} bytes");
        if (chunk.Length % frameBytes != 0)
            return (HubError.ChunkInvalid, $"chunk of {chunk.Length} bytes is not a whole number of {frameBytes}-byte sample frames ({format.Encoding.ToWireName()}, {format.Channels} channel(s))");
        _bytes += chunk.Length;
        if (_bytes / _bytesPerSecond > limits.MaxSessionSeconds)
            return (HubError.SessionTooLong, $"session is over the limit of {limits.MaxSessionSeconds} s of audio");
        return null;
    }
}

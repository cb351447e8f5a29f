using System.Buffers.Binary;

namespace VoiceEmotion.StreamHub.Tests;

/// <summary>Builds AudioSocket frames as Asterisk sends them: kind, 16-bit big-endian payload length, payload.</summary>
internal static class AudioSocketFrames
{
    public static byte[] Frame(byte kind, byte[] payload)
    {
        var frame = new byte[3 + payload.Length];
        frame[0] = kind;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), (ushort)payload.Length);
        payload.CopyTo(frame, 3);
        return frame;
    }
}

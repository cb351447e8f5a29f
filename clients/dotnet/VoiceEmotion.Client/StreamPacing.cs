namespace VoiceEmotion.Client;

/// <summary>
/// How fast audio is sent: <see cref="Speed"/> × real time (1 = as a live call would arrive), or 0 for as fast as the
/// connection takes it. Chunk n is sent when the audio before it has "played": at start + (its audio offset ÷ speed),
/// read from <see cref="Clock"/> — so pacing follows audio time, whatever the chunk sizes. The server's updates fall on
/// the audio clock either way; pacing matters for the latency and the load a stream puts on the server.
/// </summary>
public sealed record StreamPacing
{
    /// <summary>Real time (speed 1), 100 ms chunks.</summary>
    public static StreamPacing RealTime { get; } = new();

    /// <summary>No pacing: as fast as the connection takes it (speed 0).</summary>
    public static StreamPacing AsFastAsPossible { get; } = new() { Speed = 0 };

    /// <summary>Multiples of real time; 0 = no pacing.</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Chunk length when the library cuts a <see cref="Stream"/> or a file into chunks (default 100 ms; the hub
    /// takes any whole-frame size up to its MaxChunkBytes).</summary>
    public TimeSpan ChunkDuration { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The clock pacing waits on (default the system clock; a test can pass its own).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    internal int ChunkBytes(AudioFormat format) =>
        Math.Max(1, (int)Math.Round(ChunkDuration.TotalSeconds * format.SampleRate)) * format.BytesPerFrame;
}

/// <summary>A chunk handed to the connection: which one, how much audio preceded it, and when (<see cref="TimeProvider.GetTimestamp"/>
/// of the pacing clock, just before the send).</summary>
/// <param name="Index">0, 1, 2, …</param>
/// <param name="Bytes">The chunk's length.</param>
/// <param name="AudioSecondsBefore">Audio seconds sent before this chunk.</param>
/// <param name="AudioSecondsAfter">Audio seconds sent once this chunk is.</param>
/// <param name="Timestamp">The pacing clock's timestamp at the send.</param>
public readonly record struct ChunkSent(int Index, int Bytes, double AudioSecondsBefore, double AudioSecondsAfter, long Timestamp);

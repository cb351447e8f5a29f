namespace VoiceEmotion.StreamHub.PhoneBridge;

/// <summary>Phone-bridge settings (configuration section "PhoneBridge").</summary>
public sealed class PhoneBridgeOptions
{
    public const string Section = "PhoneBridge";

    /// <summary>Path of the Twilio Media Streams WebSocket endpoint.</summary>
    public string TwilioPath { get; set; } = "/phone/twilio";

    /// <summary>Largest Twilio WebSocket message accepted, in bytes (a 20 ms media message is ~250 bytes).</summary>
    public int MaxTwilioMessageBytes { get; set; } = 64 * 1024;

    /// <summary>TCP port of the Asterisk AudioSocket listener; 0 picks a free port, a negative value disables it.</summary>
    public int AudioSocketPort { get; set; } = 9093;

    /// <summary>Address the AudioSocket listener binds (loopback by default: expose it deliberately).</summary>
    public string AudioSocketAddress { get; set; } = "127.0.0.1";

    /// <summary>Largest AudioSocket audio payload accepted, in bytes (Asterisk sends 320 bytes per 20 ms).</summary>
    public int MaxAudioSocketPayloadBytes { get; set; } = 16 * 1024;
}

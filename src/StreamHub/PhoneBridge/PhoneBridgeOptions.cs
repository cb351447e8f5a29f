namespace VoiceEmotion.StreamHub.PhoneBridge;

/// <summary>Phone-bridge settings (configuration section "PhoneBridge").</summary>
public sealed class PhoneBridgeOptions : IValidatedOptions
{
    public const string Section = "PhoneBridge";

    /// <summary>Path of the Twilio Media Streams WebSocket endpoint.</summary>
    public string TwilioPath { get; set; } = "/phone/twilio";

    /// <summary>Largest Twilio WebSocket message accepted, in bytes (a 20 ms media message is ~250 bytes).</summary>
    public int MaxTwilioMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Twilio sends 20 ms media messages; the bridge gathers this many milliseconds of a track before handing them to
    /// the session (one hop and one decode per 100 ms, not per 20 ms). What is gathered is handed over on stop or close.
    /// 20 hands every message over as it comes.</summary>
    public int TwilioCoalesceMilliseconds { get; set; } = 100;

    /// <summary>TCP port of the Asterisk AudioSocket listener; 0 picks a free port, a negative value disables it.</summary>
    public int AudioSocketPort { get; set; } = 9093;

    /// <summary>Address the AudioSocket listener binds (loopback by default: expose it deliberately).</summary>
    public string AudioSocketAddress { get; set; } = "127.0.0.1";

    /// <summary>Largest AudioSocket audio payload accepted, in bytes (Asterisk sends 320 bytes per 20 ms).</summary>
    public int MaxAudioSocketPayloadBytes { get; set; } = 16 * 1024;

    public IEnumerable<string?> Problems()
    {
        if (string.IsNullOrWhiteSpace(TwilioPath) || !TwilioPath.StartsWith('/'))
            yield return $"{Section}:{nameof(TwilioPath)} must be a path starting with '/', was '{TwilioPath}'";
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxTwilioMessageBytes)}", MaxTwilioMessageBytes, 1024, 16 * 1024 * 1024);
        yield return OptionsValidation.Range($"{Section}:{nameof(TwilioCoalesceMilliseconds)}", TwilioCoalesceMilliseconds, 20, 1000);
        if (AudioSocketPort > 65_535) yield return OptionsValidation.Invariant($"{Section}:{nameof(AudioSocketPort)} must be at most 65535 (0 = any free port, negative = disabled), was {AudioSocketPort}");
        if (AudioSocketPort >= 0 && !System.Net.IPAddress.TryParse(AudioSocketAddress, out _))
            yield return $"{Section}:{nameof(AudioSocketAddress)} must be an IP address, was '{AudioSocketAddress}'";
        // The AudioSocket length field is 16 bits.
        yield return OptionsValidation.Range($"{Section}:{nameof(MaxAudioSocketPayloadBytes)}", MaxAudioSocketPayloadBytes, 320, 65_535);
    }
}

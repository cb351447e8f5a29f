using MessagePack;

namespace VoiceEmotion.Replay;

// The hub's wire contract (docs/PROTOCOL.md), as this client reads and writes it.

[MessagePackObject]
public sealed class StartSessionRequest
{
    [Key("encoding")] public string Encoding { get; set; } = "pcm16le";
    [Key("sampleRate")] public int SampleRate { get; set; }
    [Key("channels")] public int Channels { get; set; } = 1;
    [Key("source")] public string? Source { get; set; } = "replay";
    [Key("label")] public string? Label { get; set; }
}

[MessagePackObject]
public sealed class SessionStarted
{
    [Key("sessionId")] public string SessionId { get; set; } = "";
    [Key("updateIntervalSeconds")] public double UpdateIntervalSeconds { get; set; }
    [Key("windowSeconds")] public double WindowSeconds { get; set; }
    [Key("labels")] public string[] Labels { get; set; } = [];
}

[MessagePackObject]
public sealed class EmotionUpdate
{
    [Key("sessionId")] public string SessionId { get; set; } = "";
    [Key("seq")] public int Seq { get; set; }
    [Key("audioTime")] public double AudioTime { get; set; }
    [Key("windowSeconds")] public double WindowSeconds { get; set; }
    [Key("speech")] public bool Speech { get; set; }
    [Key("voicedFraction")] public float VoicedFraction { get; set; }
    [Key("probabilities")] public Dictionary<string, float> Probabilities { get; set; } = [];
    [Key("top")] public string? Top { get; set; }
    [Key("confidence")] public float Confidence { get; set; }
    [Key("arousal")] public float Arousal { get; set; }
    [Key("valence")] public float Valence { get; set; }
    [Key("loudnessDb")] public float LoudnessDb { get; set; }
    [Key("pitchHz")] public float PitchHz { get; set; }
}

[MessagePackObject]
public sealed class SessionSummary
{
    [Key("sessionId")] public string SessionId { get; set; } = "";
    [Key("durationSeconds")] public double DurationSeconds { get; set; }
    [Key("speechSeconds")] public double SpeechSeconds { get; set; }
    [Key("updates")] public int Updates { get; set; }
    [Key("dominant")] public string? Dominant { get; set; }
    [Key("share")] public Dictionary<string, float> Share { get; set; } = [];
    [Key("meanProbabilities")] public Dictionary<string, float> MeanProbabilities { get; set; } = [];
}

[MessagePackObject]
public sealed class SessionError
{
    [Key("sessionId")] public string? SessionId { get; set; }
    [Key("code")] public string Code { get; set; } = "";
    [Key("message")] public string Message { get; set; } = "";
}

using MessagePack;

namespace VoiceEmotion.Client;

// The hub's messages (docs/PROTOCOL.md). One set of classes serves both hub protocols and the REST API: MessagePack
// maps with string keys, JSON in camelCase. tests/Client.Tests/ContractShapeTests checks them against the server's own
// contract types, so the two cannot drift apart unnoticed.

/// <summary>The answer to StartSession.</summary>
[MessagePackObject]
public sealed class SessionStarted
{
    /// <summary>The session's id (32 hex digits): the same in the emotion log.</summary>
    [Key("sessionId")] public string SessionId { get; set; } = "";
    /// <summary>Audio seconds between updates (0.5).</summary>
    [Key("updateIntervalSeconds")] public double UpdateIntervalSeconds { get; set; }
    /// <summary>Audio span an update looks at (3 s).</summary>
    [Key("windowSeconds")] public double WindowSeconds { get; set; }
    /// <summary>The 7 emotion labels, in the model's order.</summary>
    [Key("labels")] public string[] Labels { get; set; } = [];
}

/// <summary>One update: the emotions of the last window, every 0.5 s of audio time.</summary>
[MessagePackObject]
public sealed class EmotionUpdate
{
    /// <summary>The session it belongs to.</summary>
    [Key("sessionId")] public string SessionId { get; set; } = "";
    /// <summary>0, 1, 2, … in order.</summary>
    [Key("seq")] public int Seq { get; set; }
    /// <summary>Seconds of audio received when it was computed (0.5, 1.0, …).</summary>
    [Key("audioTime")] public double AudioTime { get; set; }
    /// <summary>Audio span the update looked at (≤ 3 s; 0 in the log's timeline).</summary>
    [Key("windowSeconds")] public double WindowSeconds { get; set; }
    /// <summary>False when the window holds too little speech: then <see cref="Top"/> is null and probabilities are 0.</summary>
    [Key("speech")] public bool Speech { get; set; }
    /// <summary>Share of voiced frames in the window, 0–1.</summary>
    [Key("voicedFraction")] public float VoicedFraction { get; set; }
    /// <summary>The 7 labels' probabilities; sum to 1 with speech.</summary>
    [Key("probabilities")] public Dictionary<string, float> Probabilities { get; set; } = [];
    /// <summary>Most probable label, null without speech.</summary>
    [Key("top")] public string? Top { get; set; }
    /// <summary>Probability of <see cref="Top"/> (0 without speech).</summary>
    [Key("confidence")] public float Confidence { get; set; }
    /// <summary>−1…1 from the probabilities.</summary>
    [Key("arousal")] public float Arousal { get; set; }
    /// <summary>−1…1 from the probabilities.</summary>
    [Key("valence")] public float Valence { get; set; }
    /// <summary>Mean RMS level of the window, dBFS.</summary>
    [Key("loudnessDb")] public float LoudnessDb { get; set; }
    /// <summary>F0 over the window's voiced frames, Hz (0 if none).</summary>
    [Key("pitchHz")] public float PitchHz { get; set; }
}

/// <summary>The end of a session: what it held overall.</summary>
[MessagePackObject]
public sealed class SessionSummary
{
    /// <summary>The session it belongs to.</summary>
    [Key("sessionId")] public string SessionId { get; set; } = "";
    /// <summary>Seconds of audio.</summary>
    [Key("durationSeconds")] public double DurationSeconds { get; set; }
    /// <summary>0.5 s per speech update.</summary>
    [Key("speechSeconds")] public double SpeechSeconds { get; set; }
    /// <summary>Updates sent.</summary>
    [Key("updates")] public int Updates { get; set; }
    /// <summary>The label that was top most often; null without speech.</summary>
    [Key("dominant")] public string? Dominant { get; set; }
    /// <summary>Label → share of speech updates whose top it was.</summary>
    [Key("share")] public Dictionary<string, float> Share { get; set; } = [];
    /// <summary>Label → mean probability over speech updates.</summary>
    [Key("meanProbabilities")] public Dictionary<string, float> MeanProbabilities { get; set; } = [];
}

/// <summary>Why a session ended early (SessionError event).</summary>
[MessagePackObject]
public sealed class SessionError
{
    /// <summary>The session it ended.</summary>
    [Key("sessionId")] public string? SessionId { get; set; }
    /// <summary>Stable code, see <see cref="ErrorCodes"/>.</summary>
    [Key("code")] public string Code { get; set; } = "";
    /// <summary>Names the problem, for people.</summary>
    [Key("message")] public string Message { get; set; } = "";
}

/// <summary>A live session as supervisors see it (ListSessions, Watch).</summary>
[MessagePackObject]
public sealed class LiveSessionInfo
{
    /// <summary>The session's id.</summary>
    [Key("sessionId")] public string SessionId { get; set; } = "";
    /// <summary><c>hub</c>, <c>mic</c>, <c>replay</c>, … as declared, <c>twilio</c>, <c>audiosocket</c>.</summary>
    [Key("source")] public string? Source { get; set; }
    /// <summary>The caller's label.</summary>
    [Key("label")] public string? Label { get; set; }
    /// <summary>Twilio callSid or AudioSocket UUID.</summary>
    [Key("callId")] public string? CallId { get; set; }
    /// <summary><c>inbound</c>/<c>outbound</c> for phone calls.</summary>
    [Key("track")] public string? Track { get; set; }
    /// <summary>UTC start.</summary>
    [Key("startedAt")] public DateTimeOffset StartedAt { get; set; }
    /// <summary>Audio seconds received so far.</summary>
    [Key("audioSeconds")] public double AudioSeconds { get; set; }
    /// <summary>Who streams it.</summary>
    [Key("owner")] public string? Owner { get; set; }
    /// <summary>Its role in its call: <c>caller</c> (Twilio inbound, AudioSocket), <c>agent</c> (Twilio outbound) or
    /// <c>speaker</c> (a hub session); see <see cref="CallRoles"/>.</summary>
    [Key("role")] public string? Role { get; set; }
    /// <summary>The agent handling the call: as declared in StartSession, or a Twilio call's <c>agent</c> parameter.</summary>
    [Key("agent")] public string? Agent { get; set; }
    /// <summary>The queue or team the call came through: as declared, or a Twilio call's <c>queue</c> parameter.</summary>
    [Key("queue")] public string? Queue { get; set; }
    /// <summary><see cref="EmotionUpdate.Top"/> of the latest update (null before the first, or without speech).</summary>
    [Key("emotion")] public string? Emotion { get; set; }
    /// <summary>Its confidence (0 without speech).</summary>
    [Key("confidence")] public float Confidence { get; set; }
    /// <summary>Whether the latest update held speech.</summary>
    [Key("speech")] public bool Speech { get; set; }
    /// <summary>Share (0–1) of the session's speech updates so far whose top was sad, angry, fearful or disgust.</summary>
    [Key("negativeShare")] public double NegativeShare { get; set; }
    /// <summary>Alerts raised on the session so far.</summary>
    [Key("alerts")] public int Alerts { get; set; }
}

/// <summary>Values of a session's or a call track's role (<see cref="LiveSessionInfo.Role"/>, <see cref="CallTrack.Role"/>).</summary>
public static class CallRoles
{
    /// <summary>The caller: a Twilio call's inbound track, an AudioSocket call.</summary>
    public const string Caller = "caller";
    /// <summary>The agent: a Twilio call's outbound track.</summary>
    public const string Agent = "agent";
    /// <summary>The one speaker of a hub (mic, replay) or upload session.</summary>
    public const string Speaker = "speaker";
}

/// <summary>An alert raised by a rule on a live session.</summary>
[MessagePackObject]
public sealed class AlertMessage
{
    /// <summary>Unique id (the same on every webhook retry).</summary>
    [Key("alertId")] public string AlertId { get; set; } = "";
    /// <summary>The session that raised it.</summary>
    [Key("sessionId")] public string SessionId { get; set; } = "";
    /// <summary>The rule's name, e.g. <c>angry-sustained</c>.</summary>
    [Key("rule")] public string Rule { get; set; } = "";
    /// <summary>The rule's label.</summary>
    [Key("label")] public string Label { get; set; } = "";
    /// <summary>Audio seconds where the episode began.</summary>
    [Key("startTime")] public double StartTime { get; set; }
    /// <summary>How long it has lasted.</summary>
    [Key("sustainedSeconds")] public double SustainedSeconds { get; set; }
    /// <summary>Mean probability over the episode so far.</summary>
    [Key("meanProbability")] public double MeanProbability { get; set; }
    /// <summary>The session's source.</summary>
    [Key("source")] public string? Source { get; set; }
    /// <summary>The session's call id.</summary>
    [Key("callId")] public string? CallId { get; set; }
    /// <summary>The session's track.</summary>
    [Key("track")] public string? Track { get; set; }
    /// <summary>UTC time it was raised.</summary>
    [Key("raisedAt")] public DateTimeOffset RaisedAt { get; set; }
}

/// <summary>
/// An update in the compact shape (event <c>EmotionUpdateCompact</c>, asked for with
/// <see cref="SessionOptions.CompactUpdates"/>): a 13-element array in the order of docs/PROTOCOL.md, probabilities in
/// <see cref="SessionStarted.Labels"/> order and <see cref="Top"/> an index into them (−1 without speech). The client
/// turns it into an <see cref="EmotionUpdate"/> (<see cref="Expand"/>) before you see it.
/// </summary>
[MessagePackObject]
[System.Text.Json.Serialization.JsonConverter(typeof(CompactEmotionUpdateJsonConverter))]
public sealed class CompactEmotionUpdate
{
    /// <summary>Element 0.</summary>
    [Key(0)] public string SessionId { get; set; } = "";
    /// <summary>Element 1.</summary>
    [Key(1)] public int Seq { get; set; }
    /// <summary>Element 2.</summary>
    [Key(2)] public double AudioTime { get; set; }
    /// <summary>Element 3.</summary>
    [Key(3)] public double WindowSeconds { get; set; }
    /// <summary>Element 4.</summary>
    [Key(4)] public bool Speech { get; set; }
    /// <summary>Element 5.</summary>
    [Key(5)] public float VoicedFraction { get; set; }
    /// <summary>Element 6: the 7 probabilities in <see cref="SessionStarted.Labels"/> order.</summary>
    [Key(6)] public float[] Probabilities { get; set; } = [];
    /// <summary>Element 7: index of the top label, −1 without speech.</summary>
    [Key(7)] public int Top { get; set; }
    /// <summary>Element 8.</summary>
    [Key(8)] public float Confidence { get; set; }
    /// <summary>Element 9.</summary>
    [Key(9)] public float Arousal { get; set; }
    /// <summary>Element 10.</summary>
    [Key(10)] public float Valence { get; set; }
    /// <summary>Element 11.</summary>
    [Key(11)] public float LoudnessDb { get; set; }
    /// <summary>Element 12.</summary>
    [Key(12)] public float PitchHz { get; set; }

    /// <summary>The same update in the map shape, given the session's labels.</summary>
    public EmotionUpdate Expand(IReadOnlyList<string> labels)
    {
        var probabilities = new Dictionary<string, float>(labels.Count);
        for (int i = 0; i < labels.Count && i < Probabilities.Length; i++) probabilities[labels[i]] = Probabilities[i];
        return new EmotionUpdate
        {
            SessionId = SessionId, Seq = Seq, AudioTime = AudioTime, WindowSeconds = WindowSeconds, Speech = Speech,
            VoicedFraction = VoicedFraction, Probabilities = probabilities, Top = Top >= 0 && Top < labels.Count ? labels[Top] : null,
            Confidence = Confidence, Arousal = Arousal, Valence = Valence, LoudnessDb = LoudnessDb, PitchHz = PitchHz,
        };
    }
}

/// <summary>Reads and writes <see cref="CompactEmotionUpdate"/> as a JSON array (the hub's JSON protocol).</summary>
public sealed class CompactEmotionUpdateJsonConverter : System.Text.Json.Serialization.JsonConverter<CompactEmotionUpdate>
{
    /// <inheritdoc />
    public override CompactEmotionUpdate Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        using var document = System.Text.Json.JsonDocument.ParseValue(ref reader);
        var a = document.RootElement;
        if (a.ValueKind != System.Text.Json.JsonValueKind.Array || a.GetArrayLength() != 13) throw new System.Text.Json.JsonException("a compact update is an array of 13");
        return new CompactEmotionUpdate
        {
            SessionId = a[0].GetString() ?? "", Seq = a[1].GetInt32(), AudioTime = a[2].GetDouble(), WindowSeconds = a[3].GetDouble(),
            Speech = a[4].GetBoolean(), VoicedFraction = a[5].GetSingle(), Probabilities = [.. a[6].EnumerateArray().Select(p => p.GetSingle())],
            Top = a[7].GetInt32(), Confidence = a[8].GetSingle(), Arousal = a[9].GetSingle(), Valence = a[10].GetSingle(),
            LoudnessDb = a[11].GetSingle(), PitchHz = a[12].GetSingle(),
        };
    }

    /// <inheritdoc />
    public override void Write(System.Text.Json.Utf8JsonWriter writer, CompactEmotionUpdate value, System.Text.Json.JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(value.SessionId);
        writer.WriteNumberValue(value.Seq);
        writer.WriteNumberValue(value.AudioTime);
        writer.WriteNumberValue(value.WindowSeconds);
        writer.WriteBooleanValue(value.Speech);
        writer.WriteNumberValue(value.VoicedFraction);
        writer.WriteStartArray();
        foreach (var p in value.Probabilities) writer.WriteNumberValue(p);
        writer.WriteEndArray();
        writer.WriteNumberValue(value.Top);
        writer.WriteNumberValue(value.Confidence);
        writer.WriteNumberValue(value.Arousal);
        writer.WriteNumberValue(value.Valence);
        writer.WriteNumberValue(value.LoudnessDb);
        writer.WriteNumberValue(value.PitchHz);
        writer.WriteEndArray();
    }
}

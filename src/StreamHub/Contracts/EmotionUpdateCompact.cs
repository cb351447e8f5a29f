using System.Text.Json;
using System.Text.Json.Serialization;
using MessagePack;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>
/// The opt-in compact wire shape of an <see cref="EmotionUpdate"/> (StartSession <c>compact: true</c>; event
/// <c>EmotionUpdateCompact</c>): a 13-element array instead of a map with 13 string keys and a 7-key probability map.
/// Probabilities are in <see cref="SessionStarted.Labels"/> order and <c>top</c> is an index into them (−1 without
/// speech). Field order is the contract (docs/PROTOCOL.md): MessagePack writes it as an array by its integer keys, JSON
/// by <see cref="JsonConverter"/>.
/// </summary>
[MessagePackObject]
[JsonConverter(typeof(EmotionUpdateCompactJsonConverter))]
public sealed record EmotionUpdateCompact(
    [property: Key(0)] string SessionId,
    [property: Key(1)] int Seq,
    [property: Key(2)] double AudioTime,
    [property: Key(3)] double WindowSeconds,
    [property: Key(4)] bool Speech,
    [property: Key(5)] float VoicedFraction,
    [property: Key(6)] float[] Probabilities,
    [property: Key(7)] int Top,
    [property: Key(8)] float Confidence,
    [property: Key(9)] float Arousal,
    [property: Key(10)] float Valence,
    [property: Key(11)] float LoudnessDb,
    [property: Key(12)] float PitchHz)
{
    /// <summary>Elements in the array.</summary>
    public const int Fields = 13;

    public static EmotionUpdateCompact From(EmotionUpdate u) => new(u.SessionId, u.Seq, u.AudioTime, u.WindowSeconds, u.Speech,
        u.VoicedFraction, u.Probabilities, u.Top is { } top ? EmotionLabels.IndexOf(top) : -1, u.Confidence, u.Arousal, u.Valence, u.LoudnessDb, u.PitchHz);
}

/// <summary>Writes and reads <see cref="EmotionUpdateCompact"/> as the JSON array of the same order as MessagePack's.</summary>
public sealed class EmotionUpdateCompactJsonConverter : JsonConverter<EmotionUpdateCompact>
{
    public override void Write(Utf8JsonWriter writer, EmotionUpdateCompact value, JsonSerializerOptions options)
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

    public override EmotionUpdateCompact Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("a compact update is an array");
        string Str(ref Utf8JsonReader r) { r.Read(); return r.GetString() ?? throw new JsonException("sessionId is null"); }
        double Num(ref Utf8JsonReader r) { r.Read(); return r.GetDouble(); }
        var id = Str(ref reader);
        int seq = (int)Num(ref reader);
        double time = Num(ref reader), window = Num(ref reader);
        reader.Read();
        bool speech = reader.GetBoolean();
        float voiced = (float)Num(ref reader);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("probabilities must be an array");
        var probabilities = new List<float>(EmotionLabels.Count);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) probabilities.Add(reader.GetSingle());
        int top = (int)Num(ref reader);
        float confidence = (float)Num(ref reader), arousal = (float)Num(ref reader), valence = (float)Num(ref reader),
            loudness = (float)Num(ref reader), pitch = (float)Num(ref reader);
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException($"a compact update has {EmotionUpdateCompact.Fields} elements");
        return new EmotionUpdateCompact(id, seq, time, window, speech, voiced, [.. probabilities], top, confidence, arousal, valence, loudness, pitch);
    }
}

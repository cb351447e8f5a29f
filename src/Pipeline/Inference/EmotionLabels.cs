namespace VoiceEmotion.Pipeline.Inference;

/// <summary>The seven product labels, in the one order used by every API, file and model output.</summary>
public static class EmotionLabels
{
    public const int Count = 7;

    /// <summary>neutral, happy, sad, angry, fearful, disgust, surprised.</summary>
    public static IReadOnlyList<string> All { get; } =
        ["neutral", "happy", "sad", "angry", "fearful", "disgust", "surprised"];

    /// <summary>The labels a "negative share" counts (sad, angry, fearful, disgust): the log, the calls and live cards.</summary>
    public static IReadOnlyList<string> Negative { get; } = ["sad", "angry", "fearful", "disgust"];

    /// <summary>The dominant label of a session or call: the largest share of speech, and on a tie the higher mean
    /// probability (then the first in label order). One rule for live summaries and the call log.</summary>
    public static int DominantIndex<T>(ReadOnlySpan<T> share, ReadOnlySpan<T> mean) where T : System.Numerics.INumber<T>
    {
        int best = 0;
        for (int i = 1; i < Count; i++)
            if (share[i] > share[best] || (share[i] == share[best] && mean[i] > mean[best])) best = i;
        return best;
    }

    public const int Neutral = 0, Happy = 1, Sad = 2, Angry = 3, Fearful = 4, Disgust = 5, Surprised = 6;

    /// <summary>Index of a product label, or -1. Dataset aliases map here: calm → neutral, ps/pleasant surprise → surprised.</summary>
    public static int IndexOf(string label)
    {
        switch (label.Trim().ToLowerInvariant())
        {
            case "neutral": case "calm": return Neutral;
            case "happy": return Happy;
            case "sad": return Sad;
            case "angry": return Angry;
            case "fearful": case "fear": return Fearful;
            case "disgust": return Disgust;
            case "surprised": case "surprise": case "ps": case "pleasant_surprise": case "pleasant surprise": return Surprised;
            default: return -1;
        }
    }
}

namespace VoiceEmotion.StreamHub.Contracts;

/// <summary>Body of POST /api/analyze: the update series a live stream of the file would get, and its summary.</summary>
public sealed record AnalyzeResponse(string FileName, double SampleRate, IReadOnlyList<EmotionUpdateMessage> Updates, SessionSummaryMessage Summary);

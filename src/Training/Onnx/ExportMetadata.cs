using System.Globalization;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Onnx;

/// <summary>The metadata every exported model carries; EmotionModel checks it on load.</summary>
public static class ExportMetadata
{
    public static Dictionary<string, string> Create(IReadOnlyList<string> labels, NetConfig config, string trainingSummary) => new()
    {
        ["labels"] = string.Join(",", labels),
        ["feature_schema_version"] = FeatureSchema.Version,
        ["window_seconds"] = ((double)config.Frames / FeatureSchema.FramesPerSecond).ToString(CultureInfo.InvariantCulture),
        ["sample_rate"] = FeatureSchema.SampleRate.ToString(CultureInfo.InvariantCulture),
        ["frame_feature_count"] = FeatureSchema.FrameFeatureCount.ToString(CultureInfo.InvariantCulture),
        ["window_feature_count"] = FeatureSchema.WindowFeatureCount.ToString(CultureInfo.InvariantCulture),
        ["producer"] = "VoiceEmotion.Training",
        ["created_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["training_summary"] = trainingSummary,
    };
}

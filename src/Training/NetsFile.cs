using System.Text.Json;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>
/// A trained model's nets as <c>train --save-nets</c> keeps them: every value that decides the exported graph (each
/// member's shape, weights, input standardisation, temperatures, class weights, session gate) and the training summary
/// the model's metadata carries. <c>export</c> writes the ONNX model from it, so a change to the exporter is measured
/// on the same nets without training them again (the shipped model takes ≈ 17 minutes on two cores).
/// The nets are kept as JSON numbers that read back to the same floats, so an export from the file is the model
/// <c>train</c> wrote, byte for byte but for its creation time.
/// </summary>
public sealed record NetsFile(string Format, string FeatureSchema, DateTime Written, string Summary, List<NetState> Nets)
{
    /// <summary>What <see cref="Format"/> says in a file this build writes and reads.</summary>
    public const string CurrentFormat = "voiceemotion-nets-1";

    private static readonly JsonSerializerOptions Options = new() { IncludeFields = true };

    /// <summary>Writes <paramref name="nets"/> whole (<see cref="FoldCheckpoints.WriteWhole"/>).</summary>
    public static void Write(string path, string summary, IReadOnlyList<EmotionNet> nets)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        FoldCheckpoints.WriteWhole(path, new NetsFile(CurrentFormat, Pipeline.Features.FeatureSchema.Version, DateTime.UtcNow, summary, [.. nets.Select(n => n.Snapshot())]));
    }

    /// <summary>The nets and summary in <paramref name="path"/>. Throws <see cref="UsageException"/> naming the file when it
    /// is not a nets file, is another format's, holds no nets or nets that do not fit their shape, or was saved for
    /// other features than this build computes (its nets would read the wrong inputs).</summary>
    public static (List<EmotionNet> Nets, string Summary) Read(string path)
    {
        NetsFile? file;
        try
        {
            file = JsonSerializer.Deserialize<NetsFile>(File.ReadAllBytes(path), Options);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not a nets file written by train --save-nets ({e.Message})");
        }
        if (file?.Format != CurrentFormat)
            throw new UsageException($"{path} is not a nets file written by train --save-nets (format '{file?.Format}', this build reads '{CurrentFormat}')");
        if (file.FeatureSchema != Pipeline.Features.FeatureSchema.Version)
            throw new UsageException($"{path} holds nets for feature schema {file.FeatureSchema}; this build computes {Pipeline.Features.FeatureSchema.Version}: train them again");
        if (file.Nets is not { Count: > 0 }) throw new UsageException($"{path} holds no nets");
        if (file.Nets.Any(n => n?.Config is null || n.Parameters is null || n.FrameMean is null || n.FrameScale is null || n.StatsMean is null || n.StatsScale is null))
            throw new UsageException($"{path}: a saved net is damaged (a value is missing)");
        try
        {
            return ([.. file.Nets.Select(EmotionNet.Restore)], file.Summary ?? "");
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{path}: a saved net is damaged ({e.Message})");
        }
    }
}

using System.IO.Compression;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Pipeline.Datasets;

/// <summary>What a dataset path held: the clips it could name, and how many files it skipped.</summary>
public sealed record Dataset(string Source, IReadOnlyList<DatasetClip> Clips, int Skipped, IReadOnlyList<string> SkippedExamples);

/// <summary>
/// Finds RAVDESS (`03-01-EE-II-SS-RR-AA.wav`, speech only) and TESS (`OAF_word_emotion.wav`, `YAF_...`) clips in a
/// folder or a .zip, at any sample rate. Files whose names parse as neither, or that are not speech, are skipped and counted.
/// </summary>
public static class DatasetLoader
{
    /// <summary>The classes a model is trained on: the product labels plus RAVDESS calm, which is merged into neutral at the output.</summary>
    public static IReadOnlyList<string> TrainingLabels { get; } =
        ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"];

    private static readonly string[] RavdessEmotions = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"];

    /// <summary>Loads every clip under a folder or inside a zip file.</summary>
    public static Dataset Load(string path)
    {
        if (File.Exists(path) && path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)) return LoadZip(path);
        if (Directory.Exists(path)) return LoadFolder(path);
        if (File.Exists(path)) throw new ArgumentException($"'{path}' is neither a folder nor a .zip file");
        throw new FileNotFoundException($"dataset path '{path}' does not exist", path);
    }

    /// <summary>Parses a clip file name; null when it is neither RAVDESS speech nor TESS.</summary>
    public static (string Corpus, string Speaker, string TrainingLabel)? ParseName(string fileName)
    {
        string stem = Path.GetFileNameWithoutExtension(fileName);
        var parts = stem.Split('-');
        if (parts.Length == 7 && parts.All(p => p.Length == 2 && p.All(char.IsAsciiDigit)))
        {
            // modality 03 = audio-only (01/02 are video files), vocal channel 01 = speech (02 = song)
            if (parts[0] != "03" || parts[1] != "01") return null;
            int emotion = int.Parse(parts[2]);
            if (emotion < 1 || emotion > 8) return null;
            return ("ravdess", "ravdess-" + parts[6], RavdessEmotions[emotion - 1]);
        }
        var tess = stem.Split('_');
        if (tess.Length >= 3 && (tess[0].Equals("OAF", StringComparison.OrdinalIgnoreCase) || tess[0].Equals("YAF", StringComparison.OrdinalIgnoreCase)))
        {
            string label = tess[^1].ToLowerInvariant() switch
            {
                "angry" => "angry",
                "disgust" => "disgust",
                "fear" => "fearful",
                "happy" => "happy",
                "neutral" => "neutral",
                "ps" => "surprised",
                "sad" => "sad",
                _ => "",
            };
            if (label.Length == 0) return null;
            return ("tess", "tess-" + tess[0].ToUpperInvariant(), label);
        }
        return null;
    }

    private static Dataset LoadFolder(string folder)
    {
        var clips = new List<DatasetClip>();
        var skipped = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!file.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) continue;
            var parsed = ParseName(file);
            if (parsed is null) { skipped.Add(Path.GetRelativePath(folder, file)); continue; }
            var (corpus, speaker, label) = parsed.Value;
            string path = file;
            clips.Add(new DatasetClip(corpus, Path.GetFileName(file), speaker, label, EmotionLabels.IndexOf(label), () => WavReader.ReadFile(path)));
        }
        return new Dataset(folder, clips, skipped.Count, skipped.Take(5).ToList());
    }

    private static Dataset LoadZip(string zipPath)
    {
        var clips = new List<DatasetClip>();
        var skipped = new List<string>();
        var archive = ZipFile.OpenRead(zipPath);
        var gate = new object();
        foreach (var entry in archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            if (!entry.FullName.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)) continue;
            if (entry.FullName.Contains("__MACOSX", StringComparison.Ordinal)) continue;
            var parsed = ParseName(entry.Name);
            if (parsed is null) { skipped.Add(entry.FullName); continue; }
            var (corpus, speaker, label) = parsed.Value;
            var e = entry;
            clips.Add(new DatasetClip(corpus, entry.Name, speaker, label, EmotionLabels.IndexOf(label), () =>
            {
                // ZipArchive is not thread-safe: copy the entry's bytes under a lock, decode outside it.
                byte[] bytes;
                lock (gate)
                {
                    using var stream = e.Open();
                    using var memory = new MemoryStream((int)Math.Min(e.Length, WavReader.DefaultMaxDataBytes));
                    stream.CopyTo(memory);
                    bytes = memory.ToArray();
                }
                return WavReader.Read(new MemoryStream(bytes));
            }));
        }
        return new Dataset(zipPath, clips, skipped.Count, skipped.Take(5).ToList());
    }
}

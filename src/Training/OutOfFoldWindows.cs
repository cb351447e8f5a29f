using System.Globalization;
using System.Text;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>
/// Every window a cross-validation scored out of fold, one CSV row each: seed, fold, evaluation, the clip's true
/// product label and the model's probabilities over its own (training) labels as exported, temperature included.
/// For calibration and decision studies after the run (a temperature, class biases, a confidence map) without
/// training again. Derived from the corpora: it stays out of the repository, like the data.
/// </summary>
public static class OutOfFoldWindows
{
    public static void Write(string path, CrossValidationResult result)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        writer.WriteLine("seed,fold,evaluation,truth," + string.Join(",", DatasetLoader.TrainingLabels));
        var line = new StringBuilder();
        foreach (var seed in result.Seeds)
            foreach (var key in result.Keys)
                for (int fold = 0; fold < seed.Scores[key].Count; fold++)
                    foreach (var (raw, truth) in seed.Scores[key][fold].Windows)
                    {
                        line.Clear().Append(seed.Seed).Append(',').Append(fold + 1).Append(',').Append(key).Append(',').Append(EmotionLabels.All[truth]);
                        foreach (float p in raw) line.Append(',').Append(p.ToString("0.#####", CultureInfo.InvariantCulture));
                        writer.WriteLine(line);
                    }
    }
}

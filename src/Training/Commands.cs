using System.Diagnostics;
using System.Text.Json;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.Training.Onnx;

namespace VoiceEmotion.Training;

/// <summary>The console commands: train, evaluate, cv.</summary>
public static class Commands
{
    public const string Usage = """
        usage:
          train    --data <zip-or-folder> [--data ...] --out <model.onnx> [--report <dir>] [recipe options]
          evaluate --model <model.onnx> --data <zip-or-folder> [--data ...] --json <out.json> [--streaming] [--telephone] [--report <dir>]
          cv       --data <zip-or-folder> [--data ...] --report <dir> [--folds 5] [--json <out.json>] [recipe options]
        recipe options:
          --epochs N (30)  --examples N per epoch (4000)  --batch N (64)  --lr X (0.002)  --ensemble K (1)  --seed S (1)
          --threads N (cores)  --variants clean,telephone,noise+gain,speed0.9,speed1.1,telephone+noise  --no-stats  --no-frames
        """;

    private static readonly HashSet<string> RecipeValues = ["--epochs", "--examples", "--batch", "--lr", "--ensemble", "--seed", "--threads", "--variants"];
    private static readonly HashSet<string> RecipeFlags = ["--no-stats", "--no-frames"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Train(string[] args)
    {
        var cl = new CommandLine(args, [.. RecipeValues, "--data", "--out", "--report"], RecipeFlags);
        var data = Data(cl);
        string output = cl.Required("--out");
        var recipe = Recipe(cl);
        var corpus = new Corpus(data);
        Console.Error.WriteLine($"train: {corpus.Clips.Count} clips, {corpus.Speakers.Count} speakers, {corpus.Skipped} skipped; {recipe.Describe()}");
        var watch = Stopwatch.StartNew();
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var features = ProgressReporter.Run("features", p => corpus.Features(all, recipe.Variants, p));
        var members = ProgressReporter.Run("training", p => recipe.Fit(features, corpus.Options.MinVoicedFraction, corpus.Options.UpdateFrames, p));
        string summary = $"{corpus.Clips.Count} clips from {string.Join(", ", data.Select(Path.GetFileName))}; {recipe.Describe()}";
        var bytes = OnnxExporter.Export(members, ExportMetadata.Create(DatasetLoader.TrainingLabels, recipe.Net, summary));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, bytes);
        Console.Error.WriteLine($"train: wrote {output} ({bytes.Length / 1024.0:F0} KiB) in {watch.Elapsed.TotalSeconds:F0} s");
        if (cl.Get("--report") is { } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "training.md"), $"# Training\n\n- model: `{output}` ({bytes.Length / 1024.0:F0} KiB)\n- {summary}\n- time: {watch.Elapsed.TotalSeconds:F0} s\n");
        }
        return 0;
    }

    public static int Evaluate(string[] args)
    {
        var cl = new CommandLine(args, ["--model", "--data", "--json", "--report"], ["--streaming", "--telephone"]);
        using var model = EmotionModel.Load(cl.Required("--model"));
        var data = Data(cl);
        string json = cl.Required("--json");
        bool streaming = cl.Flag("--streaming"), telephone = cl.Flag("--telephone");
        var corpus = new Corpus(data);
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var truth = corpus.Clips.Select(c => c.Label).ToList();
        int[] predicted;
        int skipped = corpus.Skipped;
        if (streaming && !telephone)
        {
            predicted = ProgressReporter.Run("streaming evaluation", progress =>
            {
                var result = new int[corpus.Clips.Count];
                int done = 0;
                Parallel.For(0, corpus.Clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
                {
                    var (updates, _) = ClipAnalyzer.Analyze(corpus.Clips[i].Load(), model, corpus.Clips[i].Name, corpus.Options);
                    result[i] = DecideFromUpdates(updates);
                    progress((double)Interlocked.Increment(ref done) / corpus.Clips.Count);
                });
                return result;
            });
        }
        else
        {
            var features = ProgressReporter.Run("features", p => corpus.Features(all, [telephone ? 1 : 0], p));
            predicted = ProgressReporter.Run("scoring", _ => ClipScoring.Predict(features, model, streaming ? ClipMode.Streaming : ClipMode.Clip,
                corpus.Options.MinVoicedFraction, corpus.Options.UpdateFrames));
        }
        var metrics = Metrics.Compute(EmotionLabels.All, truth, predicted, skipped);
        WriteJson(json, metrics);
        string title = $"{(streaming ? "streaming" : "clip-level")}{(telephone ? ", telephone channel" : "")} evaluation of {model.Source}";
        Console.WriteLine(Report.Summary(title, metrics));
        if (cl.Get("--report") is { } dir) Report.Write(dir, "evaluation", title, [(title, metrics)], extra: null);
        return 0;
    }

    public static int CrossValidate(string[] args)
    {
        var cl = new CommandLine(args, [.. RecipeValues, "--data", "--report", "--folds", "--json"], RecipeFlags);
        var data = Data(cl);
        string reportDir = cl.Required("--report");
        int k = cl.Int("--folds", 5);
        var recipe = Recipe(cl);
        var corpus = new Corpus(data);
        if (corpus.Speakers.Count < k) throw new UsageException($"{k} folds need at least {k} speakers; the data has {corpus.Speakers.Count}");
        Console.Error.WriteLine($"cv: {corpus.Clips.Count} clips, {corpus.Speakers.Count} speakers, {k} folds; {recipe.Describe()}");
        var result = CrossValidation.Run(corpus, recipe, k);
        Report.Write(reportDir, "cross-validation", $"{k}-fold speaker-independent cross-validation",
            [("clip-level (clean)", result.Clip), ("streaming (clean)", result.Streaming), ("clip-level, telephone channel", result.Telephone)],
            extra: $"Recipe: {recipe.Describe()}\n\nPer-fold clip-level macro-F1: {string.Join(", ", result.FoldMacroF1.Select(f => f.ToString("F3")))}\n\nTime: {result.Seconds:F0} s\n");
        if (cl.Get("--json") is { } json) WriteJson(json, result.Clip);
        Console.WriteLine(Report.Summary("clip-level (clean)", result.Clip));
        Console.WriteLine(Report.Summary("streaming (clean)", result.Streaming));
        Console.WriteLine(Report.Summary("clip-level, telephone channel", result.Telephone));
        return 0;
    }

    /// <summary>The clip's label from its live updates: mean probabilities over speech updates (all updates if none had speech).</summary>
    public static int DecideFromUpdates(IReadOnlyList<EmotionUpdate> updates)
    {
        var chosen = updates.Where(u => u.Speech).ToList();
        if (chosen.Count == 0) return EmotionLabels.Neutral;
        var rows = new float[chosen.Count * EmotionLabels.Count];
        for (int i = 0; i < chosen.Count; i++) chosen[i].Probabilities.CopyTo(rows, i * EmotionLabels.Count);
        return ClipScoring.Decide(rows, chosen.Count);
    }

    private static List<string> Data(CommandLine cl)
    {
        var data = cl.All("--data").ToList();
        if (data.Count == 0) throw new UsageException("missing required option '--data'");
        return data;
    }

    private static TrainingRecipe Recipe(CommandLine cl)
    {
        var recipe = new TrainingRecipe();
        var net = recipe.Net with { StatsHidden = cl.Flag("--no-stats") ? 0 : recipe.Net.StatsHidden, UseFrames = !cl.Flag("--no-frames") };
        if (!net.UseFrames && !net.UseStats) throw new UsageException("--no-stats and --no-frames together leave the model no input");
        var train = recipe.Train with
        {
            Epochs = cl.Int("--epochs", recipe.Train.Epochs),
            ExamplesPerEpoch = cl.Int("--examples", recipe.Train.ExamplesPerEpoch),
            BatchSize = cl.Int("--batch", recipe.Train.BatchSize),
            LearningRate = cl.Float("--lr", recipe.Train.LearningRate),
            Seed = cl.Int("--seed", recipe.Train.Seed),
            Threads = cl.Int("--threads", Environment.ProcessorCount),
        };
        int[] variants = recipe.Variants;
        if (cl.Get("--variants") is { } list)
        {
            variants = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(name =>
            {
                int v = Augmentation.Names.ToList().IndexOf(name);
                return v >= 0 ? v : throw new UsageException($"unknown variant '{name}': expected {string.Join(", ", Augmentation.Names)}");
            }).ToArray();
        }
        return recipe with { Net = net, Train = train, Variants = variants, Ensemble = cl.Int("--ensemble", 1) };
    }

    private static void WriteJson(string path, EvaluationResult metrics)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(metrics, Json));
    }
}

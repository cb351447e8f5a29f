using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;
using VoiceEmotion.Training.Onnx;

namespace VoiceEmotion.Training;

/// <summary>The console commands: train, evaluate, cv, transfer.</summary>
public static class Commands
{
    private static readonly TrainingRecipe Defaults = new();

    public static string Usage => $"""
        usage:
          train    --data <zip-or-folder> [--data ...] --out <model.onnx> [--report <dir>] [--validate <zip-or-folder>] [recipe options]
          evaluate --model <model.onnx> --data <zip-or-folder> [--data ...] --json <out.json>
                   [--streaming | --sessions] [--condition NAME|all] [--telephone] [--report <dir>] [--seed S]
          cv       --data <zip-or-folder> [--data ...] --report <dir> [--folds 5] [--seeds 1] [--conditions all|none|a,b] [--json <out.json>] [recipe options]
          transfer --train <zip-or-folder> --test <zip-or-folder> [--seeds 1] [--report <dir>] [--json <out.json>] [recipe options]
        conditions: {string.Join(", ", LineCondition.MatrixNames)} (--telephone = --condition g711)
        recipe options (defaults = the shipped model's recipe):
          --epochs N ({Defaults.Train.Epochs})  --passes N per epoch ({Defaults.Train.PassesPerEpoch})  --clips-per-speaker N ({Defaults.ClipsPerSpeaker})  --batch N ({Defaults.Train.BatchSize})  --lr X ({Defaults.Train.LearningRate.ToString(CultureInfo.InvariantCulture)})
          --ensemble K ({Defaults.Ensemble})  --seed S ({Defaults.Train.Seed})  --threads N (cores)  --temperature T ({Defaults.Temperature.ToString(CultureInfo.InvariantCulture)})
          --no-augment  --no-session  --no-stats  --no-frames
        """;

    private static readonly HashSet<string> RecipeValues = ["--epochs", "--passes", "--clips-per-speaker", "--batch", "--lr", "--ensemble", "--seed", "--threads", "--temperature"];
    private static readonly HashSet<string> RecipeFlags = ["--no-stats", "--no-frames", "--no-augment", "--no-session"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Train(string[] args)
    {
        var cl = new CommandLine(args, [.. RecipeValues, "--data", "--out", "--report", "--validate"], RecipeFlags);
        var data = Data(cl);
        string output = cl.Required("--out");
        var recipe = Recipe(cl);
        var corpus = new Corpus(data);
        Corpus? validation = cl.Get("--validate") is { } v ? new Corpus([v]) : null;
        Console.Error.WriteLine($"train: {corpus.Clips.Count} clips, {corpus.Speakers.Count} speakers, {corpus.Skipped} skipped; {recipe.Describe()}");
        var watch = Stopwatch.StartNew();
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var curve = new List<EpochReport>();
        var validationClips = validation is null ? null : Enumerable.Range(0, validation.Clips.Count).ToList();
        var validationFeatures = validation?.Features(validationClips!);
        var members = ProgressReporter.Run("training", p => recipe.Fit(corpus, all, p, (report, net) =>
        {
            double? f1 = null;
            if (validationFeatures is not null)
            {
                var scores = new Scorer(new NetClassifier([net], DatasetLoader.TrainingLabels)).ClipLevel(validationFeatures);
                f1 = Evaluation.Metrics(scores).MacroF1;
            }
            report = report with { ValidationMacroF1 = f1 };
            curve.Add(report);
            Console.Error.WriteLine($"  epoch {report.Epoch + 1}/{recipe.Train.Epochs}: {report.Examples} windows, loss {report.Loss:F3}" +
                                    (f1 is null ? "" : $", validation macro-F1 {f1:F3}") + $" ({report.Seconds:F0} s)");
        }));
        string summary = $"{corpus.Clips.Count} clips of {corpus.Speakers.Count} speakers from {string.Join(", ", data.Select(Path.GetFileName))}; {recipe.Describe()}";
        var bytes = OnnxExporter.Export(members, ExportMetadata.Create(DatasetLoader.TrainingLabels, recipe.Net, summary));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, bytes);
        Console.Error.WriteLine($"train: wrote {output} ({bytes.Length / 1024.0:F0} KiB) in {watch.Elapsed.TotalSeconds:F0} s");
        if (cl.Get("--report") is { } dir) TrainingCurves.Write(dir, output, bytes.Length, summary, watch.Elapsed.TotalSeconds, curve, validation is not null);
        return 0;
    }

    public static int Evaluate(string[] args)
    {
        var cl = new CommandLine(args, ["--model", "--data", "--json", "--report", "--condition", "--seed"], ["--streaming", "--sessions", "--telephone"]);
        using var model = EmotionModel.Load(cl.Required("--model"));
        var data = Data(cl);
        string json = cl.Required("--json");
        if (cl.Flag("--streaming") && cl.Flag("--sessions")) throw new UsageException("choose one of --streaming and --sessions");
        var mode = cl.Flag("--sessions") ? ScoreMode.Sessions : cl.Flag("--streaming") ? ScoreMode.Streaming : ScoreMode.Clip;
        string condition = cl.Get("--condition") ?? (cl.Flag("--telephone") ? "g711" : "clean");
        if (cl.Flag("--telephone") && cl.Get("--condition") is { } c && c != "g711") throw new UsageException("--telephone is --condition g711; give one of them");
        var conditions = condition == "all" ? LineCondition.MatrixNames.ToList() : [condition];
        foreach (var name in conditions)
            if (!LineCondition.Named.ContainsKey(name)) throw new UsageException($"unknown condition '{name}': expected all or one of {string.Join(", ", LineCondition.MatrixNames)}");
        int seed = cl.Int("--seed", 1);
        var corpus = new Corpus(data);
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var scorer = new Scorer(new OnnxRawClassifier(model));
        var results = new List<(string Condition, EvaluationResult Metrics, CalibrationResult Calibration)>();
        foreach (var name in conditions)
        {
            var scores = ProgressReporter.Run($"{Evaluation.Describe(mode)} evaluation, {name}", _ => Evaluation.Score(corpus, all, scorer, mode, name, seed, keepFeatures: false));
            results.Add((name, Evaluation.Metrics(scores, corpus.Skipped), Calibration.Measure(scorer.Labels, scores.Windows, 1f)));
        }
        var first = results[0];
        var node = JsonSerializer.SerializeToNode(first.Metrics, Json)!.AsObject();
        node["mode"] = Evaluation.Describe(mode);
        node["condition"] = first.Condition;
        node["calibration"] = JsonSerializer.SerializeToNode(first.Calibration);
        if (results.Count > 1)
        {
            var matrix = new JsonObject();
            foreach (var (name, m, cal) in results)
                matrix[name] = new JsonObject { ["accuracy"] = m.Accuracy, ["macroF1"] = m.MacroF1, ["ece"] = cal.Ece };
            node["conditions"] = matrix;
        }
        WriteJson(json, node);
        foreach (var (name, m, cal) in results)
            Console.WriteLine(Report.Summary($"{Evaluation.Describe(mode)}, {name} ({LineCondition.Get(name).Describe()}), {model.Source}", m) + $", ECE {cal.Ece:F3}");
        if (cl.Get("--report") is { } dir)
        {
            var extra = new StringBuilder($"Model `{model.Source}`, {corpus.Clips.Count} clips of {corpus.Speakers.Count} speakers, mode {Evaluation.Describe(mode)}.\n\n");
            foreach (var (name, _, cal) in results) extra.Append($"### Calibration, {name}\n\n").Append(Calibration.Table(cal)).Append('\n');
            Report.Write(dir, "evaluation", $"{Evaluation.Describe(mode)} evaluation of {Path.GetFileName(model.Source)}",
                results.Select(r => ($"{r.Condition}: {LineCondition.Get(r.Condition).Describe()}", r.Metrics)).ToList(), extra.ToString());
        }
        return 0;
    }

    public static int CrossValidate(string[] args)
    {
        var cl = new CommandLine(args, [.. RecipeValues, "--data", "--report", "--folds", "--json", "--seeds", "--conditions"], RecipeFlags);
        var data = Data(cl);
        string reportDir = cl.Required("--report");
        int k = cl.Int("--folds", 5), seeds = cl.Int("--seeds", 1);
        var recipe = Recipe(cl);
        var conditions = Conditions(cl.Get("--conditions") ?? "all");
        var corpus = new Corpus(data);
        if (corpus.Speakers.Count < k) throw new UsageException($"{k} folds need at least {k} speakers; the data has {corpus.Speakers.Count}");
        Console.Error.WriteLine($"cv: {corpus.Clips.Count} clips, {corpus.Speakers.Count} speakers, {k} folds, {seeds} seed(s); {recipe.Describe()}");
        var result = CrossValidation.Run(corpus, recipe, k, seeds, conditions);
        CrossValidationReport.Write(reportDir, corpus, recipe, k, result);
        if (cl.Get("--json") is { } json) WriteJson(json, JsonSerializer.SerializeToNode(result.Summary(), Json)!);
        foreach (var line in result.SummaryLines()) Console.WriteLine(line);
        return 0;
    }

    public static int Transfer(string[] args)
    {
        var cl = new CommandLine(args, [.. RecipeValues, "--train", "--test", "--report", "--json", "--seeds"], RecipeFlags);
        var recipe = Recipe(cl);
        int seeds = cl.Int("--seeds", 1);
        var train = new Corpus(cl.All("--train").DefaultIfEmpty().Select(p => p ?? throw new UsageException("missing required option '--train'")));
        var test = new Corpus(cl.All("--test").DefaultIfEmpty().Select(p => p ?? throw new UsageException("missing required option '--test'")));
        var testClips = Enumerable.Range(0, test.Clips.Count).ToList();
        var rows = new List<(int Seed, EvaluationResult Clip, EvaluationResult Streaming)>();
        for (int s = 0; s < seeds; s++)
        {
            var seeded = recipe with { Train = recipe.Train with { Seed = recipe.Train.Seed + s } };
            var members = ProgressReporter.Run($"training, seed {seeded.Train.Seed}", p => seeded.Fit(train, Enumerable.Range(0, train.Clips.Count).ToList(), p));
            var scorer = new Scorer(new NetClassifier(members, DatasetLoader.TrainingLabels));
            var clip = Evaluation.Metrics(Evaluation.Score(test, testClips, scorer, ScoreMode.Clip, "clean", seeded.Train.Seed), test.Skipped);
            var streaming = Evaluation.Metrics(Evaluation.Score(test, testClips, scorer, ScoreMode.Streaming, "clean", seeded.Train.Seed), test.Skipped);
            rows.Add((seeded.Train.Seed, clip, streaming));
            Console.Error.WriteLine($"transfer seed {seeded.Train.Seed}: clip macro-F1 {clip.MacroF1:F3}, streaming {streaming.MacroF1:F3}");
        }
        string title = $"trained on {string.Join(", ", cl.All("--train").Select(Path.GetFileName))} ({train.Speakers.Count} speakers), scored on {string.Join(", ", cl.All("--test").Select(Path.GetFileName))} ({test.Speakers.Count} speakers)";
        string clipSpread = MeanSd(rows.Select(r => r.Clip.MacroF1)), streamingSpread = MeanSd(rows.Select(r => r.Streaming.MacroF1));
        Console.WriteLine($"transfer, {title}: clip-level macro-F1 {clipSpread}, streaming {streamingSpread} over {seeds} seed(s)");
        if (cl.Get("--json") is { } json)
            WriteJson(json, new JsonObject
            {
                ["train"] = string.Join(",", cl.All("--train")), ["test"] = string.Join(",", cl.All("--test")),
                ["clipMacroF1"] = new JsonArray([.. rows.Select(r => (JsonNode)r.Clip.MacroF1)]),
                ["streamingMacroF1"] = new JsonArray([.. rows.Select(r => (JsonNode)r.Streaming.MacroF1)]),
            });
        if (cl.Get("--report") is { } dir)
            Report.Write(dir, "transfer", $"Cross-corpus transfer: {title}", [("clip-level, first seed", rows[0].Clip), ("streaming, first seed", rows[0].Streaming)],
                $"Recipe: {recipe.Describe()}\n\nMacro-F1 over {seeds} seed(s): clip-level {clipSpread}; streaming {streamingSpread}.\n");
        return 0;
    }

    /// <summary>"mean ± sd (n)" of a series of figures.</summary>
    public static string MeanSd(IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count == 0) return "–";
        double mean = v.Average(), sd = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : 0;
        return v.Count > 1 ? $"{mean:F3} ± {sd:F3}" : $"{mean:F3}";
    }

    private static List<string> Conditions(string list)
    {
        if (list == "all") return [.. LineCondition.MatrixNames.Where(n => n != "clean")];
        if (list == "none") return [];
        var names = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var n in names)
            if (!LineCondition.Named.ContainsKey(n)) throw new UsageException($"unknown condition '{n}': expected all, none or some of {string.Join(", ", LineCondition.MatrixNames)}");
        return names;
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
            PassesPerEpoch = cl.Int("--passes", recipe.Train.PassesPerEpoch),
            BatchSize = cl.Int("--batch", recipe.Train.BatchSize),
            LearningRate = cl.Float("--lr", recipe.Train.LearningRate),
            Seed = cl.Int("--seed", recipe.Train.Seed),
            Threads = cl.Int("--threads", Environment.ProcessorCount),
        };
        float temperature = cl.Float("--temperature", recipe.Temperature);
        if (temperature <= 0) throw new UsageException($"option '--temperature' needs a positive number, got {temperature}");
        return recipe with
        {
            Net = net, Train = train, Ensemble = cl.Int("--ensemble", recipe.Ensemble), Temperature = temperature,
            ClipsPerSpeaker = cl.Int("--clips-per-speaker", recipe.ClipsPerSpeaker),
            Augment = !cl.Flag("--no-augment"), SessionAdaptation = !cl.Flag("--no-session"),
        };
    }

    private static void WriteJson(string path, JsonNode node)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, node.ToJsonString(Json));
    }
}

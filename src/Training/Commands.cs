using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;
using VoiceEmotion.Training.Onnx;

namespace VoiceEmotion.Training;

/// <summary>What the console commands do, given parsed arguments (<see cref="TrainingCli"/> defines and parses them).</summary>
public static class Commands
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static int Train(IReadOnlyList<string> data, string output, string? reportDir, string? validate, TrainingRecipe recipe, string? saveNets = null)
    {
        var corpus = new Corpus(data);
        Corpus? validation = validate is null ? null : new Corpus([validate]);
        Console.Error.WriteLine($"train: {corpus.Clips.Count} clips, {corpus.Speakers.Count} speakers, {corpus.Skipped} skipped; {recipe.Describe()}");
        var watch = Stopwatch.StartNew();
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var curve = new List<EpochReport>();
        var validationClips = validation is null ? null : Enumerable.Range(0, validation.Clips.Count).ToList();
        var validationFeatures = validation?.Features(validationClips!);
        int nets = recipe.TrainedTeachers + recipe.MemberConfigs().Count; // with shared draws (the default) their epochs interleave
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
            Console.Error.WriteLine($"  {(nets > 1 ? $"net {report.Member + 1}/{nets}, " : "")}epoch {report.Epoch + 1}/{recipe.Train.Epochs}: {report.Examples} windows, loss {report.Loss:F3} (first pass {report.FreshLoss:F3})" +
                                    (f1 is null ? "" : $", validation macro-F1 {f1:F3}") +
                                    (report.SpeakerAccuracy is { } heard ? $", speaker adversary right on {heard:P0}" : "") + $" ({report.Seconds:F0} s)");
        }));
        // The class weights of a balanced output (ClassBalance) are the training windows' own; say what they came to.
        string weights = members[0].ClassWeights is { } w
            ? $"class weights {string.Join(", ", DatasetLoader.TrainingLabels.Select((label, k) => $"{label} {w[k].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}"))}; "
            : "";
        if (weights.Length > 0) Console.Error.WriteLine($"train: {weights.TrimEnd(' ', ';')}");
        string summary = $"{corpus.Clips.Count} clips of {corpus.Speakers.Count} speakers from {string.Join(", ", data.Select(Path.GetFileName))}; {weights}{recipe.Describe()}";
        if (saveNets is not null)
        {
            NetsFile.Write(saveNets, summary, members);
            Console.Error.WriteLine($"train: kept the nets in {saveNets} ({new FileInfo(saveNets).Length / 1024.0:F0} KiB; export --nets {saveNets} writes the model again)");
        }
        var bytes = WriteModel(members, summary, output);
        Console.Error.WriteLine($"train: wrote {output} ({bytes.Length / 1024.0:F0} KiB) in {watch.Elapsed.TotalSeconds:F0} s");
        if (reportDir is not null) TrainingCurves.Write(reportDir, output, bytes.Length, summary, watch.Elapsed.TotalSeconds, curve, validation is not null);
        return 0;
    }

    /// <summary>Writes the model of the nets <c>train --save-nets</c> kept, with the training summary they were saved with.</summary>
    public static int Export(string netsPath, string output, TextWriter log)
    {
        var (members, summary) = NetsFile.Read(netsPath);
        var bytes = WriteModel(members, summary, output);
        log.WriteLine($"export: wrote {output} ({bytes.Length / 1024.0:F0} KiB) from the {members.Count} net(s) in {netsPath}");
        return 0;
    }

    // The ONNX model of trained members, as train and export write it.
    private static byte[] WriteModel(IReadOnlyList<EmotionNet> members, string summary, string output)
    {
        var bytes = OnnxExporter.Export(members, ExportMetadata.Create(DatasetLoader.TrainingLabels, members[0].Config, summary));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllBytes(output, bytes);
        return bytes;
    }

    public static int Evaluate(string modelPath, IReadOnlyList<string> data, string json, ScoreMode mode, IReadOnlyList<string> conditions, string? reportDir, int seed)
    {
        using var model = EmotionModel.Load(modelPath);
        var corpus = new Corpus(data);
        var all = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var scorer = new Scorer(new OnnxRawClassifier(model));
        var results = new List<(string Condition, EvaluationResult Metrics, CalibrationResult Calibration, UpdateQualityResult? Updates)>();
        foreach (var name in conditions)
        {
            var scores = ProgressReporter.Run($"{Evaluation.Describe(mode)} evaluation, {name}", _ => Evaluation.Score(corpus, all, scorer, mode, name, seed, keepFeatures: false));
            results.Add((name, Evaluation.Metrics(scores, corpus.Skipped), Calibration.Measure(scorer.Labels, scores.Windows, 1f), UpdateQuality.Measure(scorer.Labels, scores)));
        }
        var first = results[0];
        var node = JsonSerializer.SerializeToNode(first.Metrics, Json)!.AsObject();
        node["mode"] = Evaluation.Describe(mode);
        node["condition"] = first.Condition;
        node["calibration"] = JsonSerializer.SerializeToNode(first.Calibration);
        // Streaming: every speech update judged on its own, as a user watching the live updates sees them.
        if (first.Updates is not null) node["updates"] = JsonSerializer.SerializeToNode(first.Updates, Json);
        if (results.Count > 1)
        {
            var matrix = new JsonObject();
            foreach (var (name, m, cal, updates) in results)
            {
                matrix[name] = new JsonObject { ["accuracy"] = m.Accuracy, ["macroF1"] = m.MacroF1, ["ece"] = cal.Ece };
                if (updates is not null) matrix[name]!["updateMacroF1"] = updates.MacroF1;
            }
            node["conditions"] = matrix;
        }
        WriteJson(json, node);
        foreach (var (name, m, cal, updates) in results)
            Console.WriteLine(Report.Summary($"{Evaluation.Describe(mode)}, {name} ({LineCondition.Get(name).Describe()}), {model.Source}", m) + $", ECE {cal.Ece:F3}" +
                (updates is null ? "" : $"; each of its {updates.Updates} speech updates alone: macro-F1 {updates.MacroF1:F3} " +
                    $"({string.Join(", ", updates.ByWindowSeconds.Select(b => FormattableString.Invariant($"≤ {b.UpToSeconds:0.0} s {b.MacroF1:F3}")))})"));
        if (reportDir is not null)
        {
            var extra = new StringBuilder($"Model `{model.Source}`, {corpus.Clips.Count} clips of {corpus.Speakers.Count} speakers, mode {Evaluation.Describe(mode)}.\n\n");
            foreach (var (name, _, cal, _) in results) extra.Append($"### Calibration, {name}\n\n").Append(Calibration.Table(cal)).Append('\n');
            foreach (var (name, _, _, updates) in results.Where(r => r.Updates is not null))
                extra.Append($"### Each speech update alone, by how much of the utterance its window held, {name}\n\n").Append(UpdateQuality.Table(updates!)).Append('\n');
            Report.Write(reportDir, "evaluation", $"{Evaluation.Describe(mode)} evaluation of {Path.GetFileName(model.Source)}",
                results.Select(r => ($"{r.Condition}: {LineCondition.Get(r.Condition).Describe()}", r.Metrics)).ToList(), extra.ToString());
        }
        return 0;
    }

    public static int CrossValidate(IReadOnlyList<string> data, string reportDir, int k, int seeds, IReadOnlyList<string> conditions, string? json,
        string? windows, TrainingRecipe recipe, bool restart = false, IReadOnlyList<int>? onlyFolds = null, IReadOnlyList<(TrainingRecipe Recipe, string ReportDir)>? candidates = null)
    {
        foreach (int f in onlyFolds ?? [])
            if (f > k) throw new UsageException($"--only-folds: there is no fold {f} in a {k}-fold cross-validation");
        candidates ??= [];
        foreach (var c in candidates)
        {
            if (recipe.PairingProblems(c.Recipe) is { Count: > 0 } problems)
                throw new UsageException($"--candidate cannot share the baseline's draws: {string.Join("; ", problems)}");
            if (c.Recipe == recipe) throw new UsageException("--candidate changes nothing in the recipe: name the options it changes");
        }
        if (candidates.Count(c => !recipe.ReadsSameNets(c.Recipe)) > 1)
            throw new UsageException("--candidate: at most one candidate may train nets of its own; the others may change only how the baseline's output is read " +
                                     "(--session-gate, --isolated-temperature, --settled-cnn-share)");
        if (candidates.Select(c => Path.GetFullPath(c.ReportDir)).Append(Path.GetFullPath(reportDir)).Distinct().Count() != candidates.Count + 1)
            throw new UsageException("--candidate-report: every recipe needs a report folder of its own");
        var corpus = new Corpus(data);
        if (corpus.Speakers.Count < k) throw new UsageException($"{k} folds need at least {k} speakers; the data has {corpus.Speakers.Count}");
        Console.Error.WriteLine($"cv: {corpus.Clips.Count} clips, {corpus.Speakers.Count} speakers, {k} folds, {seeds} seed(s); {recipe.Describe()}");
        var arms = new List<(TrainingRecipe Recipe, string ReportDir, string? Json)> { (recipe, reportDir, json) };
        foreach (var paired in candidates)
        {
            Console.Error.WriteLine(recipe.ReadsSameNets(paired.Recipe)
                ? $"cv: a candidate scored on the baseline's nets (it reads their output otherwise), reported under {paired.ReportDir}: {paired.Recipe.Describe()}"
                : $"cv: paired with a candidate on the same draws, reported under {paired.ReportDir}: {paired.Recipe.Describe()}");
            arms.Add((paired.Recipe, paired.ReportDir, Path.Combine(paired.ReportDir, "summary.json")));
        }
        var checkpoints = arms.Select(a => FoldCheckpoints.Open(a.ReportDir, corpus, a.Recipe, k, conditions, restart)).ToList();
        var only = onlyFolds?.Select(f => f - 1).ToHashSet();
        var results = CrossValidation.Run(corpus, [.. arms.Select((a, i) => (a.Recipe, (FoldCheckpoints?)checkpoints[i]))], k, seeds, conditions, only);
        if (results[0] is null)
        {
            Console.Error.WriteLine($"cv: folds {string.Join(",", onlyFolds!)} are saved under {string.Join(" and ", checkpoints.Select(p => Path.GetDirectoryName(p.PathOf(recipe.Train.Seed, 0))))}; " +
                                    "the report and summary need every fold: run again without --only-folds to finish the others, or read these with compare --folds");
            return 0;
        }
        for (int a = 0; a < arms.Count; a++)
        {
            var result = results[a]!;
            CrossValidationReport.Write(arms[a].ReportDir, corpus, arms[a].Recipe, k, result);
            if (arms[a].Json is { } path) WriteJson(path, JsonSerializer.SerializeToNode(result.Summary(), Json)!);
            if (windows is not null) OutOfFoldWindows.Write(windows, result);
            if (arms.Count > 1) Console.WriteLine(a == 0 ? "baseline:" : arms.Count == 2 ? "candidate:" : $"candidate {a}:");
            foreach (var line in result.SummaryLines()) Console.WriteLine(line);
        }
        return 0;
    }

    public static int Transfer(IReadOnlyList<string> trainData, IReadOnlyList<string> testData, int seeds, string? reportDir, string? json, TrainingRecipe recipe)
    {
        var train = new Corpus(trainData);
        var test = new Corpus(testData);
        var testClips = Enumerable.Range(0, test.Clips.Count).ToList();
        var rows = new List<(int Seed, EvaluationResult Clip, EvaluationResult Streaming, EvaluationResult Sessions)>();
        var unbalanced = new List<(EvaluationResult Clip, EvaluationResult Streaming, EvaluationResult Sessions)>();
        for (int s = 0; s < seeds; s++)
        {
            var seeded = recipe with { Train = recipe.Train with { Seed = recipe.Train.Seed + s } };
            var members = ProgressReporter.Run($"training, seed {seeded.Train.Seed}", p => seeded.Fit(train, Enumerable.Range(0, train.Clips.Count).ToList(), p));
            var scorer = new Scorer(new NetClassifier(members, DatasetLoader.TrainingLabels));
            EvaluationResult Score(ScoreMode mode) => Evaluation.Metrics(Evaluation.Score(test, testClips, scorer, mode, "clean", seeded.Train.Seed), test.Skipped);
            // Sessions: each test speaker's clips as one call — what the live service, with its session baseline, makes of the other corpus.
            var (clip, streaming, sessions) = (Score(ScoreMode.Clip), Score(ScoreMode.Streaming), Score(ScoreMode.Sessions));
            rows.Add((seeded.Train.Seed, clip, streaming, sessions));
            Console.Error.WriteLine($"transfer seed {seeded.Train.Seed}: clip macro-F1 {clip.MacroF1:F3}, streaming {streaming.MacroF1:F3}, sessions {sessions.MacroF1:F3}");
            if (members[0].ClassWeights is { } weights)
            {
                // The class weights change the output, not the nets: the same nets with their probabilities summed as
                // before give the paired figure at the cost of scoring alone.
                foreach (var m in members) m.ClassWeights = null;
                var plain = (Score(ScoreMode.Clip), Score(ScoreMode.Streaming), Score(ScoreMode.Sessions));
                foreach (var m in members) m.ClassWeights = weights;
                unbalanced.Add(plain);
                Console.Error.WriteLine($"transfer seed {seeded.Train.Seed}, the same nets without class weights: clip macro-F1 {plain.Item1.MacroF1:F3}, streaming {plain.Item2.MacroF1:F3}, sessions {plain.Item3.MacroF1:F3}");
            }
        }
        string title = $"trained on {string.Join(", ", trainData.Select(Path.GetFileName))} ({train.Speakers.Count} speakers), scored on {string.Join(", ", testData.Select(Path.GetFileName))} ({test.Speakers.Count} speakers)";
        string clipSpread = MeanSd(rows.Select(r => r.Clip.MacroF1)), streamingSpread = MeanSd(rows.Select(r => r.Streaming.MacroF1)),
            sessionsSpread = MeanSd(rows.Select(r => r.Sessions.MacroF1));
        Console.WriteLine($"transfer, {title}: clip-level macro-F1 {clipSpread}, streaming {streamingSpread}, sessions {sessionsSpread} over {seeds} seed(s)");
        if (json is not null)
            WriteJson(json, new JsonObject
            {
                ["train"] = string.Join(",", trainData), ["test"] = string.Join(",", testData),
                ["clipMacroF1"] = new JsonArray([.. rows.Select(r => (JsonNode)r.Clip.MacroF1)]),
                ["streamingMacroF1"] = new JsonArray([.. rows.Select(r => (JsonNode)r.Streaming.MacroF1)]),
                ["sessionsMacroF1"] = new JsonArray([.. rows.Select(r => (JsonNode)r.Sessions.MacroF1)]),
                ["withoutClassWeights"] = unbalanced.Count == 0 ? null : new JsonObject
                {
                    ["clipMacroF1"] = new JsonArray([.. unbalanced.Select(r => (JsonNode)r.Clip.MacroF1)]),
                    ["streamingMacroF1"] = new JsonArray([.. unbalanced.Select(r => (JsonNode)r.Streaming.MacroF1)]),
                    ["sessionsMacroF1"] = new JsonArray([.. unbalanced.Select(r => (JsonNode)r.Sessions.MacroF1)]),
                },
            });
        if (reportDir is not null)
            Report.Write(reportDir, "transfer", $"Cross-corpus transfer: {title}", [("clip-level, first seed", rows[0].Clip), ("streaming, first seed", rows[0].Streaming),
                ("sessions (each speaker one call), first seed", rows[0].Sessions)],
                $"Recipe: {recipe.Describe()}\n\nMacro-F1 over {seeds} seed(s): clip-level {clipSpread}; streaming {streamingSpread}; sessions {sessionsSpread}.\n" +
                (unbalanced.Count == 0 ? "" : $"\nThe same nets without the class weights (probabilities summed as before): clip-level {MeanSd(unbalanced.Select(r => r.Clip.MacroF1))}; " +
                    $"streaming {MeanSd(unbalanced.Select(r => r.Streaming.MacroF1))}; sessions {MeanSd(unbalanced.Select(r => r.Sessions.MacroF1))}.\n"));
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

    private static void WriteJson(string path, JsonNode node)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, node.ToJsonString(Json));
    }
}

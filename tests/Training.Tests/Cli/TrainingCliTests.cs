using VoiceEmotion.Tests;
namespace VoiceEmotion.Training.Tests.Cli;

/// <summary>The command line: defaults are the shipped recipe, help comes from the definitions, bad values are named.</summary>
[Collection(ConsoleError.Name)] // captures Console.Error, which is the process's: one such class at a time
public sealed class TrainingCliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("ve-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void NoRecipeOptionsGiveTheShippedRecipe()
    {
        // The README's train command names only data and output: it must train exactly TrainingRecipe's defaults
        // (the thread count is this machine's cores, as it always was).
        var shipped = new TrainingRecipe();
        shipped = shipped with { Train = shipped.Train with { Threads = Environment.ProcessorCount } };
        Assert.Equal(shipped, TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "model.onnx"));
    }

    [Fact]
    public void TheBundledModelWasTrainedWithTheDefaultRecipe()
    {
        // The model card's figures are the default recipe's: the shipped file must be that recipe's output, so a default
        // that changes without retraining models/emotion.onnx (README's train command) fails here.
        using var model = VoiceEmotion.Pipeline.Inference.EmotionModel.Load(SharedData.BundledModel);
        Assert.EndsWith("; " + new TrainingRecipe().Describe(), model.Metadata["training_summary"]);
    }

    [Fact]
    public void RecipeOptionsSetTheirFields()
    {
        var r = TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--epochs", "3", "--passes", "3", "--clips-per-speaker", "7",
            "--batch", "16", "--lr", "0.01", "--ensemble", "2", "--seed", "9", "--threads", "1", "--temperature", "1.2",
            "--no-augment", "--no-session", "--no-stats", "--stats-members", "3");
        Assert.Equal((3, 3, 16, 0.01f, 9, 1), (r.Train.Epochs, r.Train.PassesPerEpoch, r.Train.BatchSize, r.Train.LearningRate, r.Train.Seed, r.Train.Threads));
        Assert.Equal((7, 2, 1.2f, false, false), (r.ClipsPerSpeaker, r.Ensemble, r.Temperature, r.Augment, r.SessionAdaptation));
        Assert.False(r.Net.UseStats);
        Assert.True(r.Net.UseFrames);
        // Statistics-only members need the statistics input: with --no-stats the ensemble keeps only the CNNs.
        Assert.Equal(3, r.StatsMembers);
        Assert.Equal(2, r.MemberConfigs().Count);
        var mixed = TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--stats-members", "1");
        Assert.Equal([true, false, false], mixed.MemberConfigs().Select(c => c.UseFrames));
        Assert.Equal([false, false, true], mixed.MemberConfigs().Select(c => c.IsSessionMember));
        Assert.Equal(VoiceEmotion.Training.Nn.FrameShift.None, mixed.MemberConfigs()[1].FrameShift);
        // A session-dependent temperature below 1 is kept; 1 means none, so the recipe (and its fingerprint) stays the default's.
        Assert.Equal(0.7f, TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--isolated-temperature", "0.7").IsolatedTemperature);
        Assert.Null(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--isolated-temperature", "1").IsolatedTemperature);
        // The CNN's settled share: 0.35 by default, another value kept, one half meaning an equal split (none).
        Assert.Equal(0.35f, TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx").SettledCnnShare);
        Assert.Equal(0.4f, TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--settled-cnn-share", "0.4").SettledCnnShare);
        Assert.Null(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--settled-cnn-share", "0.5").SettledCnnShare);
        Assert.Equal(0.6, TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--babble-share", "0.6").BabbleShare);
        Assert.Equal(new VoiceEmotion.Training.Nn.MaskWidths(40, 16), TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--masks", "40,16").Train.Masks);
        // The shipped widths written out are the shipped recipe (and its fingerprint).
        Assert.Null(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--masks", "20,8").Train.Masks);
        Assert.Null(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx").Train.Masks);
        var gated = TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--session-members", "2", "--session-gate", "0.5");
        Assert.Equal([0f, 0f, 0.5f, 0.5f], gated.MemberConfigs().Select(c => c.SessionGate));
        Assert.DoesNotContain(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--session-members", "0").MemberConfigs(), c => c.IsSessionMember);
        Assert.Equal(VoiceEmotion.Training.Nn.FrameShift.Session,
            TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--frame-shift", "session").Net.FrameShift);
        var narrow = TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--channels", "32,48,40").Net;
        Assert.Equal((32, 48, 40), (narrow.Channels1, narrow.Channels2, narrow.Channels3));
        var distilled = TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--teachers", "2", "--teacher-share", "0.7");
        Assert.Equal((2, 0.7f), (distilled.Teachers, distilled.Train.TeacherShare));
        Assert.Equal(distilled.Net, distilled.TeacherNet);
        var wide = TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--teachers", "1", "--teacher-channels", "64,96,80", "--channels", "32,48,48");
        Assert.Equal((64, 96, 80), (wide.TeacherNet.Channels1, wide.TeacherNet.Channels2, wide.TeacherNet.Channels3));
        Assert.Equal(wide.Net with { Channels1 = 64, Channels2 = 96, Channels3 = 80 }, wide.TeacherNet);
        Assert.Equal(32, wide.Net.Channels1);
        // Teachers are not members: the exported ensemble keeps its shape.
        Assert.Equal(new TrainingRecipe().MemberConfigs(), distilled.MemberConfigs());
        Assert.True(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--shared-draws").SharedDraws);
        Assert.True(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx").SharedDraws);
        Assert.False(TrainingCli.ParseRecipe("--data", _dir.FullName, "--out", "m.onnx", "--own-draws").SharedDraws);
    }

    [Fact]
    public void PitchCheckPrintsOneLinePerConditionAndNamesABadOne()
    {
        using var data = new SyntheticCorpus();
        var output = new StringWriter();
        var original = Console.Error;
        Console.SetError(new StringWriter()); // progress lines
        int code;
        try
        {
            code = TrainingCli.Run(["pitch-check", "--data", data.Directory, "--voices", "3", "--conditions", "clean,babble10"], output);
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(0, code);
        var rows = output.ToString().Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["clean", "babble10"], rows.Skip(1).Select(l => l.Split('|')[1].Trim()));
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["pitch-check", "--data", data.Directory, "--conditions", "clean,tin-can"], error: error));
        Assert.Contains("unknown condition 'tin-can'", error.ToString());
    }

    [Fact]
    public void TrainingWithSharedDrawsSaysWhichNetEachEpochLineIsAbout()
    {
        // Side by side, the members' epoch lines interleave: each says which of the three nets it is about.
        using var data = new SyntheticCorpus();
        string model = Path.Combine(_dir.FullName, "m.onnx");
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        int code;
        try
        {
            code = TrainingCli.Run(["train", "--data", data.Directory, "--out", model, "--epochs", "2", "--clips-per-speaker", "4", "--shared-draws"], new StringWriter());
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal(0, code);
        Assert.True(new FileInfo(model).Length > 10_000);
        var epochs = captured.ToString().Split('\n').Where(l => l.Contains("epoch ", StringComparison.Ordinal) && l.Contains("windows", StringComparison.Ordinal))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"net (\d)/3, epoch (\d)/2").Groups is var g && g[0].Success ? $"{g[1].Value}:{g[2].Value}" : l).ToList();
        Assert.Equal(["1:1", "2:1", "3:1", "1:2", "2:2", "3:2"], epochs);
    }

    [Fact]
    public void ExportWritesTheModelTrainWroteFromTheKeptNets()
    {
        // train --save-nets keeps what decides the graph; export from it is train's own model to the byte, but for the
        // creation time (a change to the exporter can then be measured on the same nets without training them again).
        using var data = new SyntheticCorpus();
        string model = Path.Combine(_dir.FullName, "m.onnx"), nets = Path.Combine(_dir.FullName, "m.nets.json"), again = Path.Combine(_dir.FullName, "again.onnx");
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            Assert.Equal(0, TrainingCli.Run(["train", "--data", data.Directory, "--out", model, "--epochs", "1", "--clips-per-speaker", "4", "--save-nets", nets], new StringWriter()));
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Contains($"kept the nets in {nets}", captured.ToString());
        var log = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["export", "--nets", nets, "--out", again], new StringWriter(), log));
        Assert.Contains("from the 3 net(s)", log.ToString()); // the shipped shape: CNN, statistics-only, session member
        Assert.Equal(WithoutCreationTime(model), WithoutCreationTime(again));

        // What is not such a file, or was saved for other features, is refused by name; nothing is written.
        string Refused(string content)
        {
            string path = Path.Combine(_dir.FullName, $"bad-{Guid.NewGuid():N}.json"), output = Path.Combine(_dir.FullName, "bad.onnx");
            File.WriteAllText(path, content);
            var error = new StringWriter();
            Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["export", "--nets", path, "--out", output], new StringWriter(), error));
            Assert.False(File.Exists(output));
            Assert.Contains(path, error.ToString());
            return error.ToString();
        }
        Assert.Contains("is not a nets file written by train --save-nets", Refused("RIFF....WAVEfmt "));
        Assert.Contains("format 'something-else'", Refused("{\"Format\":\"something-else\"}"));
        var saved = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(nets))!;
        saved["FeatureSchema"] = "frame-v0";
        Assert.Contains($"feature schema frame-v0; this build computes {VoiceEmotion.Pipeline.Features.FeatureSchema.Version}", Refused(saved.ToJsonString()));
        saved["FeatureSchema"] = VoiceEmotion.Pipeline.Features.FeatureSchema.Version;
        var first = saved["Nets"]![0]!["Parameters"]!.AsArray();
        first.RemoveAt(first.Count - 1);
        Assert.Contains("a saved net is damaged", Refused(saved.ToJsonString()));
        saved["Nets"]![0]!.AsObject().Remove("StatsScale");
        Assert.Contains("a saved net is damaged (a value is missing)", Refused(saved.ToJsonString()));
        var missing = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["export", "--nets", Path.Combine(_dir.FullName, "none.json"), "--out", "x.onnx"], error: missing));
        Assert.Contains("--nets: no such file", missing.ToString());
    }

    // A model file's bytes with its creation time (metadata created_utc, to the second) blanked.
    private static byte[] WithoutCreationTime(string path)
    {
        string created;
        using (var model = VoiceEmotion.Pipeline.Inference.EmotionModel.Load(path)) created = model.Metadata["created_utc"];
        var bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(created));
        Assert.True(at >= 0);
        bytes.AsSpan(at, created.Length).Clear();
        return bytes;
    }

    [Fact]
    public void AValidationCorpusIsTakenAsOnePath()
    {
        var parse = TrainingCli.Build().Parse(["train", "--data", _dir.FullName, "--validate", _dir.FullName, "--out", "m.onnx"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(_dir.FullName, parse.GetValue<string>("--validate"));
    }

    [Fact]
    public void HelpListsEveryOptionWithTheShippedDefaults()
    {
        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["train", "--help"], output));
        string help = output.ToString();
        var shipped = new TrainingRecipe();
        foreach (var option in new[] { "--data", "--out", "--report", "--validate", "--epochs", "--passes", "--clips-per-speaker", "--batch", "--lr",
                     "--ensemble", "--seed", "--threads", "--temperature", "--no-augment", "--no-session", "--no-stats", "--no-frames", "--frame-shift", "--ema", "--masks", "--clean-share", "--babble-share", "--formant-warp", "--stats-members", "--session-members", "--session-gate", "--channels", "--teachers", "--teacher-share", "--teacher-channels", "--shared-draws", "--own-draws" })
            Assert.Contains(option, help);
        Assert.Contains($"[default: {shipped.Train.Epochs}]", help);
        Assert.Contains($"[default: {shipped.Temperature.ToString(System.Globalization.CultureInfo.InvariantCulture)}]", help);
        // Float settings show as written (0.0001, 0.3), not widened to doubles (9.999999747378752E-05, 0.30000001192092896).
        Assert.Contains("--weight-decay <X>", help);
        Assert.Contains("[default: 0.0001]", help);
        Assert.Contains("[default: 0.3]", help);
        Assert.DoesNotMatch(@"\[default: [^\]]*(E-|\d\.\d{9,})", help);
        foreach (var command in new[] { "export", "evaluate", "cv", "transfer" })
        {
            var sub = new StringWriter();
            Assert.Equal(0, TrainingCli.Run([command, "--help"], sub));
            Assert.Contains("Usage:", sub.ToString());
        }
    }

    [Theory]
    [InlineData("--epochs needs a positive integer, got '0'", "train", "--epochs", "0")]
    [InlineData("--epochs needs a positive integer, got 'many'", "train", "--epochs", "many")]
    [InlineData("--lr needs a positive number, got '-1'", "train", "--lr", "-1")]
    [InlineData("--temperature needs a positive number, got '0'", "train", "--temperature", "0")]
    [InlineData("--isolated-temperature needs a positive number, got '0'", "train", "--isolated-temperature", "0")]
    [InlineData("--data: no such file or folder '/nonexistent/corpus.zip'", "train", "--data", "/nonexistent/corpus.zip")]
    [InlineData("--out", "train", "--report", "r")] // --out missing
    [InlineData("--validate: no such file or folder '/nonexistent/val'", "train", "--validate", "/nonexistent/val")]
    [InlineData("--no-stats and --no-frames", "train", "--no-stats", "--no-frames")]
    [InlineData("--frame-shift takes its values from the statistics input", "train", "--no-stats", "--frame-shift", "window")]
    [InlineData("--condition: unknown condition 'nosuch'", "evaluate", "--condition", "nosuch")]
    [InlineData("--folds needs a positive integer, got '0'", "cv", "--folds", "0")]
    [InlineData("--stats-members needs a whole number (0 or more), got '-1'", "train", "--stats-members", "-1")]
    [InlineData("--channels needs three positive widths (at most 1024) like 48,64,64, got '32,48'", "train", "--channels", "32,48")]
    [InlineData("--channels needs three positive widths (at most 1024) like 48,64,64, got '32,0,48'", "train", "--channels", "32,0,48")]
    [InlineData("--masks needs two positive widths (at most 1024) like 20,8, got '40'", "train", "--masks", "40")]
    [InlineData("--masks needs two positive widths (at most 1024) like 20,8, got '40,0'", "train", "--masks", "40,0")]
    [InlineData("--teachers needs a whole number (0 or more), got '-2'", "train", "--teachers", "-2")]
    [InlineData("--teacher-share needs a number from 0 to 1, got '1.5'", "train", "--teacher-share", "1.5")]
    [InlineData("--teacher-channels needs three positive widths (at most 1024) like 48,64,64, got '64,96'", "train", "--teacher-channels", "64,96")]
    [InlineData("--teachers are CNNs: they cannot go with --no-frames", "train", "--teachers", "1", "--no-frames")]
    [InlineData("--own-draws and --shared-draws contradict each other", "cv", "--own-draws", "--shared-draws")]
    [InlineData("--clean-consistency needs a number from 0 to 1, got '1.5'", "train", "--clean-consistency", "1.5")]
    [InlineData("--clean-consistency sets each example's target from its clean view: it cannot go with --mixup or --teachers", "train", "--clean-consistency", "0.5", "--mixup", "0.2")]
    [InlineData("--test", "transfer")] // --test missing
    [InlineData("--bogus", "cv", "--bogus")]
    public void BadValuesFailNamingTheOption(string expected, string command, params string[] extra)
    {
        // Everything else on the line is valid, so the error is the one under test.
        List<string> args = command switch
        {
            "train" => ["train", "--data", _dir.FullName, .. extra.Contains("--report") ? Array.Empty<string>() : ["--out", "m.onnx"]],
            "evaluate" => ["evaluate", "--model", _dir.FullName, "--data", _dir.FullName, "--json", "x.json"],
            "cv" => ["cv", "--data", _dir.FullName, "--report", "r"],
            _ => ["transfer", "--train", _dir.FullName],
        };
        if (command == "evaluate") args[2] = ModelFile();
        args.AddRange(extra);
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. args], error: error));
        Assert.Contains(expected, error.ToString());
    }

    [Fact]
    public void CompareSetsTwoSummariesSideBySideWithTheHeadlineFiguresAndTheMargin()
    {
        // Two cv --json summaries as the cv command writes them (one seed each; per-corpus subsets beside the pooled mean).
        string Summary(string name, double clip, double streaming, double sessions, double g711, double gsm)
        {
            static string Entry(double f)
            {
                string v = f.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return "{\"macroF1\":[" + v + "],\"mean\":" + v + ",\"subsets\":{\"ravdess\":[0.6],\"tess\":[0.5]}}";
            }
            string path = Path.Combine(_dir.FullName, name);
            File.WriteAllText(path, $"{{\"clip\":{Entry(clip)},\"streaming\":{Entry(streaming)},\"sessions\":{Entry(sessions)},\"clip/g711\":{Entry(g711)},\"clip/gsm\":{Entry(gsm)}}}");
            return path;
        }
        string baseline = Summary("base.json", 0.50, 0.50, 0.55, 0.40, 0.30);
        string candidate = Summary("cand.json", 0.53, 0.47, 0.56, 0.44, 0.30);

        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--margin", "0.01"], output));
        string text = output.ToString();
        Assert.Contains("| clip | 0.5000 | 0.5300 | +0.0300 |", text);
        Assert.Contains("| streaming | 0.5000 | 0.4700 | −0.0300 |", text);
        Assert.Contains("| clip/gsm | 0.3000 | 0.3000 | 0.0000 |", text);
        Assert.Contains("| conditions' mean | 0.3500 | 0.3700 | +0.0200 |", text); // the mean of the two conditions
        // Headline: clip +0.03, streaming −0.03, sessions +0.01, conditions +0.02 → mean +0.0075, smallest −0.03.
        Assert.Contains("mean change +0.0075, smallest −0.0300", text);
        Assert.Contains("at least the baseline's − 0.01: no (streaming −0.0300)", text);

        var lenient = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--margin", "0.05"], lenient));
        Assert.Contains("at least the baseline's − 0.05: yes", lenient.ToString());
        var plain = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate], plain));
        Assert.DoesNotContain("at least the baseline", plain.ToString());

        // A file that is not a summary is an input error naming it; a missing one a usage error.
        string other = Path.Combine(_dir.FullName, "other.json");
        File.WriteAllText(other, "{\"labels\":[\"a\"],\"macroF1\":0.5}");
        var error = new StringWriter();
        Assert.Equal(TrainingCli.InputError, TrainingCli.Run(["compare", "--baseline", other, "--candidate", candidate], error: error));
        Assert.Contains("other.json: evaluation 'labels' has no \"mean\"", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", Path.Combine(_dir.FullName, "none.json"), "--candidate", candidate], error: error));
        Assert.Contains("--baseline: no such file", error.ToString());
    }

    // One clip of each of the seven classes per fold.
    private static readonly int[] SevenClips = [0, 1, 2, 3, 4, 5, 6];

    /// <summary>A cv --report folder of one seed's folds: each fold's seven clips (<see cref="SevenClips"/>) predicted as
    /// given, under four evaluations, saved as cv saves them.</summary>
    private string SavedReport(string name, int seed, params (int Fold, int[] Predicted)[] folds)
    {
        string dir = Path.Combine(_dir.FullName, name);
        Directory.CreateDirectory(Path.Combine(dir, FoldCheckpoints.Folder));
        foreach (var (fold, predicted) in folds)
        {
            var scores = new SavedScores([.. Enumerable.Range(0, 7)], SevenClips, predicted, [], []);
            var saved = new SavedFold("fingerprint of " + name, DateTime.UtcNow, [],
                new() { ["clip"] = scores, ["streaming"] = scores, ["sessions"] = scores, ["clip/gsm"] = scores });
            File.WriteAllBytes(Path.Combine(dir, FoldCheckpoints.Folder, $"seed-{seed}-fold-{fold}.json"),
                System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(saved, new System.Text.Json.JsonSerializerOptions { IncludeFields = true }));
        }
        return dir;
    }

    [Fact]
    public void CompareReadsOneRunPerSeedAsOneSetAndShowsEachSeed()
    {
        // Three seeds, each a run of its own with one fold. The baseline is all right on seeds 1 and 2 and swaps neutral
        // and happy on seed 3 (macro-F1 5/7); the candidate swaps them on seed 1 alone.
        int[] swapped = [1, 0, 2, 3, 4, 5, 6];
        string[] baseline = [SavedReport("b1", 1, (1, SevenClips)), SavedReport("b2", 2, (1, SevenClips)), SavedReport("b3", 3, (1, swapped))];
        string[] candidate = [SavedReport("c1", 1, (1, swapped)), SavedReport("c2", 2, (1, SevenClips)), SavedReport("c3", 3, (1, SevenClips))];
        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", .. baseline.SelectMany(b => new[] { "--baseline", b }), .. candidate.SelectMany(c => new[] { "--candidate", c })], output));
        string text = output.ToString();
        Assert.StartsWith("folds both have finished (3): seed-1-fold-1, seed-2-fold-1, seed-3-fold-1", text);
        // The mean over seeds is the same on both sides; seed by seed, the changes are −2/7, 0, +2/7.
        Assert.Contains("| clip | 0.9048 | 0.9048 | 0.0000 |", text);
        Assert.Contains("seed by seed (3 seeds: 1, 2, 3;", text);
        Assert.Contains("| clip | 0.9048 ± 0.1650 | 0.9048 ± 0.1650 | −0.2857 / 0.0000 / +0.2857 | 0.0000 ± 0.2857 | yes | mixed |", text);
        // Seeds 2 and 3 alone (--folds reads fold 1 of each; the seeds are the two runs given): level, then up.
        var two = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline[1], "--baseline", baseline[2], "--candidate", candidate[1], "--candidate", candidate[2]], two));
        Assert.Contains("| clip | 0.8571 ± 0.2020 | 1.0000 ± 0.0000 | 0.0000 / +0.2857 | +0.1429 ± 0.2020 | yes | mixed |", two.ToString());
        var up = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline[2], "--baseline", candidate[0], "--candidate", candidate[2], "--candidate", baseline[0]], up));
        Assert.Contains("| clip | 0.7143 ± 0.0000 | 1.0000 ± 0.0000 | +0.2857 / +0.2857 | +0.2857 ± 0.0000 | no | up |", up.ToString());

        // One seed on each side shows no seed table; the same seed given twice on one side is refused, naming both.
        var one = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline[0], "--candidate", candidate[0]], one));
        Assert.DoesNotContain("seed by seed", one.ToString());
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline[0], "--baseline", baseline[0], "--candidate", candidate[0]], error: error));
        Assert.Contains($"{baseline[0]} and {baseline[0]} both hold seed-1-fold-1", error.ToString());
        // Summaries already hold their seeds: one of each.
        string summary = Path.Combine(_dir.FullName, "summary.json");
        File.WriteAllText(summary, "{}");
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", summary, "--baseline", summary, "--candidate", summary], error: error));
        Assert.Contains("a summary (cv --json) already holds all its seeds", error.ToString());
    }

    [Fact]
    public void CompareReadsTwoReportFoldersOnTheFoldsBothHaveFinished()
    {
        int[] truth = SevenClips;
        string Report(string name, params (int Fold, int[] Predicted)[] folds) => SavedReport(name, 1, folds);
        // The baseline finished two folds, all right in fold 1 and all "neutral" in fold 2; the candidate stopped after
        // fold 1, where it swapped neutral and happy (those two classes F1 0, the other five 1: macro-F1 5/7).
        string baseline = Report("base", (1, truth), (2, [0, 0, 0, 0, 0, 0, 0]));
        string candidate = Report("cand", (1, [1, 0, 2, 3, 4, 5, 6]));

        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--margin", "0.01"], output));
        string text = output.ToString();
        Assert.StartsWith("folds both have finished (1): seed-1-fold-1", text);
        Assert.Contains("| clip | 1.0000 | 0.7143 | −0.2857 |", text); // fold 2 of the baseline is not read
        Assert.Contains("| conditions' mean | 1.0000 | 0.7143 | −0.2857 |", text);
        Assert.Contains("at least the baseline's − 0.01: no (clip −0.2857", text);

        // Both folds on both sides: the figures pool the two folds' 14 clips, as cv does — neutral 2 right and 6 others
        // called neutral (F1 4/10), every other class 1 of 2 found and never wrongly (F1 2/3).
        var both = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", baseline], both));
        double pooled = (4.0 / 10 + 6 * 2.0 / 3) / 7;
        Assert.Contains($"| clip | {pooled.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} |", both.ToString());
        Assert.StartsWith("folds both have finished (2): seed-1-fold-1, seed-1-fold-2", both.ToString());

        // --folds reads only the folds named: fold 2 alone is the all-neutral one (neutral F1 2/8, the rest 0).
        var fold2 = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", baseline, "--folds", "2"], fold2));
        Assert.StartsWith("folds both have finished (1): seed-1-fold-2", fold2.ToString());
        Assert.Contains($"| clip | {(2.0 / 8 / 7).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)} |", fold2.ToString());

        // A folder and a file, a folder without folds, two folders with no fold in common: usage errors that say so.
        string summary = Path.Combine(_dir.FullName, "summary.json");
        File.WriteAllText(summary, "{}");
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", summary], error: error));
        Assert.Contains("must all be summaries (cv --json) or all saved folds", error.ToString());
        string empty = Path.Combine(_dir.FullName, "empty");
        Directory.CreateDirectory(empty);
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", empty], error: error));
        Assert.Contains("has no saved folds", error.ToString());
        string other = Report("other", (3, truth));
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", other], error: error));
        Assert.Contains("no finished fold in common", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--folds", "2"], error: error));
        Assert.Contains("no finished fold in common among folds 2", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", baseline, "--folds", "0,x"], error: error));
        Assert.Contains("--folds needs fold numbers from 1", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", summary, "--candidate", summary, "--folds", "3"], error: error));
        Assert.Contains("--folds reads saved folds", error.ToString());

        // The folds kept as confusion matrices (fold-confusions) read as the folders do, to the last digit, either side.
        var written = new StringWriter();
        string kept = Path.Combine(_dir.FullName, "base-folds.json");
        Assert.Equal(0, TrainingCli.Run(["fold-confusions", "--report", baseline, "--out", kept], written));
        Assert.StartsWith($"{kept}: 2 fold(s) (seed-1-fold-1, seed-1-fold-2)", written.ToString());
        Assert.True(new FileInfo(kept).Length < 4000, "a kept fold is a few matrices, not its windows");
        Assert.Equal(0, TrainingCli.Run(["fold-confusions", "--report", candidate], new StringWriter()));
        string candidateKept = Path.Combine(candidate, FoldConfusions.FileName);
        foreach (var (b, c, folds) in new[] { (kept, candidateKept, ""), (kept, candidate, ""), (baseline, candidateKept, ""), (kept, kept, "2") })
        {
            string[] extra = folds == "" ? [] : ["--folds", folds];
            var fromFiles = new StringWriter();
            var fromFolders = new StringWriter();
            Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", b, "--candidate", c, .. extra], fromFiles));
            Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", b == kept ? baseline : b, "--candidate", c == candidateKept ? candidate : c == kept ? baseline : c, .. extra], fromFolders));
            Assert.Equal(fromFolders.ToString(), fromFiles.ToString());
        }

        // A damaged or foreign file is refused with its name and what is wrong.
        string bad = Path.Combine(_dir.FullName, "bad-folds.json");
        File.WriteAllText(bad, File.ReadAllText(kept).Replace("[1,0,0,0,0,0,0]", "[1,0,0]"));
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", bad, "--candidate", kept], error: error));
        Assert.Contains($"{bad}: fold seed-1-fold-1 holds a matrix that is not 7 × 7 counts", error.ToString());
        File.WriteAllText(bad, File.ReadAllText(kept).Replace("\"version\":1", "\"version\":9"));
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", bad, "--candidate", kept], error: error));
        Assert.Contains("of version 9; this build reads version 1", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["fold-confusions", "--report", empty], error: error));
        Assert.Contains("has no saved folds", error.ToString());
    }

    [Fact]
    public void CompareWithCalibrationReadsTheWindowsBothReportFoldersKept()
    {
        // Four windows of one fold, the model's eight training labels (calm second): the most probable label at
        // confidence c, the rest share 1 − c. Truths (product labels): happy, sad, angry, angry; the windows lean to
        // happy, sad, angry and happy — three of four right.
        int[] top = [2, 3, 4, 2];
        int[] truth = [1, 2, 3, 3];
        string Report(string name, float confidence)
        {
            string dir = Path.Combine(_dir.FullName, name);
            Directory.CreateDirectory(Path.Combine(dir, FoldCheckpoints.Folder));
            var raw = top.Select(t => Enumerable.Range(0, 8).Select(k => k == t ? confidence : (1 - confidence) / 7).ToArray()).ToArray();
            var scores = new SavedScores([0, 1, 2, 3], truth, [1, 2, 3, 1], raw, truth);
            var saved = new SavedFold("fingerprint of " + name, DateTime.UtcNow, [], new() { ["clip"] = scores, ["streaming"] = scores, ["sessions"] = scores });
            File.WriteAllBytes(Path.Combine(dir, FoldCheckpoints.Folder, "seed-1-fold-1.json"),
                System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(saved, new System.Text.Json.JsonSerializerOptions { IncludeFields = true }));
            return dir;
        }
        string sure = Report("sure", 0.7f), unsure = Report("unsure", 0.5f);
        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", sure, "--candidate", unsure, "--calibration"], output));
        string text = output.ToString();
        // Confidence 0.7 at accuracy 0.75: ECE 0.05; confidence 0.5: 0.25. Every 0.7 window is an alert (three of four
        // right); at 0.5 none is. NLL: −ln 0.7 three times and −ln(0.3 / 7) (the missed angry window) once.
        double nll = (3 * -Math.Log(0.7) - Math.Log(0.3 / 7)) / 4;
        Assert.Contains($"| streaming | 4 | 0.050 | 0.250 | +0.200 | {nll.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)} |", text);
        Assert.Contains("| 0.750 of 4 | none |", text);

        // Summaries and fold-confusions files keep no windows: a usage error that says so.
        string summary = Path.Combine(_dir.FullName, "cal-summary.json");
        File.WriteAllText(summary, "{}");
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", summary, "--candidate", summary, "--calibration"], error: error));
        Assert.Contains("--calibration reads the windows that cv --report folders keep", error.ToString());
    }

    [Fact]
    public void NestedCompareScoresEachFoldByTheRecipeChosenOnTheOthers()
    {
        int[] truth = [0, 1, 2, 3, 4, 5, 6], swapped = [1, 0, 2, 3, 4, 5, 6], neutral = [0, 0, 0, 0, 0, 0, 0];
        string Kept(string name, params int[][] folds)
        {
            var saved = new SortedDictionary<(int Seed, int Fold), SavedFold>();
            for (int f = 0; f < folds.Length; f++)
            {
                var scores = new SavedScores([.. Enumerable.Range(0, 7)], truth, folds[f], [], []);
                saved[(1, f + 1)] = new SavedFold(name, DateTime.UtcNow, [], new() { ["clip"] = scores, ["streaming"] = scores, ["sessions"] = scores, ["clip/gsm"] = scores });
            }
            string path = Path.Combine(_dir.FullName, name + ".json");
            FoldConfusions.Write(path, FoldConfusions.Of(saved));
            return path;
        }
        // The candidate mends fold 3 (all "neutral" in the baseline) and breaks fold 1 (neutral and happy swapped). On
        // folds 2+3 and 1+3 it wins, so folds 1 and 2 are scored by it; on folds 1+2 it loses 0.143, so fold 3 keeps the
        // baseline's all-neutral answers: the nested figure pays for the choice that could not see the fold it scores.
        string baseline = Kept("nested-base", truth, truth, neutral), candidate = Kept("nested-cand", swapped, truth, truth);
        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--margin", "0.01", "--nested"], output));
        string text = output.ToString();
        Assert.Contains("- fold 1: candidate (folds 2,3: every headline change ≥ −0.01", text);
        Assert.Contains("- fold 2: candidate (folds 1,3:", text);
        Assert.Contains("- fold 3: baseline (folds 1,2: clip −0.1429, streaming −0.1429, sessions −0.1429, conditions' mean −0.1429)", text);
        // Pooled over the 21 clips: neutral F1 1/3, happy 0.4, the other five 0.8.
        double nested = (1.0 / 3 + 0.4 + 5 * 0.8) / 7;
        // Baseline over the three folds: neutral F1 0.5, the others 0.8; candidate: neutral and happy 2/3, the others 1.
        string F(double v) => v.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"| clip | {F((0.5 + 6 * 0.8) / 7)} | {F((4.0 / 3 + 5) / 7)} | {F(nested)} |", text);

        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--nested"], error: error));
        Assert.Contains("--nested needs --margin", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["compare", "--baseline", baseline, "--candidate", candidate, "--margin", "0.01", "--nested", "--folds", "2"], error: error));
        Assert.Contains("needs two or more folds", error.ToString());
    }

    [Fact]
    public void MetricsFromAConfusionMatrixAreTheClipsOwn()
    {
        var random = new Random(5);
        int[] truth = [.. Enumerable.Range(0, 200).Select(_ => random.Next(7))];
        int[] predicted = [.. truth.Select(t => random.NextDouble() < 0.6 ? t : random.Next(7))];
        var direct = Metrics.Compute(VoiceEmotion.Pipeline.Inference.EmotionLabels.All, truth, predicted, skipped: 3);
        var viaMatrix = Metrics.FromConfusion(VoiceEmotion.Pipeline.Inference.EmotionLabels.All, direct.Confusion, skipped: 3);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(direct), System.Text.Json.JsonSerializer.Serialize(viaMatrix));
        Assert.Equal(200, viaMatrix.Files);
        Assert.Throws<ArgumentException>(() => Metrics.FromConfusion(VoiceEmotion.Pipeline.Inference.EmotionLabels.All, [[1, 2]]));
    }

    private string ModelFile()
    {
        string path = Path.Combine(_dir.FullName, "model.onnx");
        File.WriteAllBytes(path, []); // exists; the parse error comes first, so it is never loaded
        return path;
    }
}

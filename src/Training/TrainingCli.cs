using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Diagnostics;

namespace VoiceEmotion.Training;

/// <summary>
/// The console's commands and options (System.CommandLine): train, export, evaluate, cv, fit, transfer, compare. Help is generated from these
/// definitions, defaults are defined once (recipe options in <see cref="RecipeOptions"/>), and every bad value is a
/// parse error naming its option. The work itself is in <see cref="Commands"/>.
/// </summary>
public static class TrainingCli
{
    /// <summary>Exit code of a command line that does not parse or a check that needs the data (<see cref="UsageException"/>).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a run that failed on its inputs (unreadable audio, a mismatched model...).</summary>
    public const int InputError = 1;

    /// <summary>Parses and runs <paramref name="args"/>; errors go to <paramref name="error"/> (stderr by default) as
    /// "error: ..." lines and give a non-zero exit code.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        error ??= Console.Error;
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            error.WriteLine("(--help lists the commands and options)");
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output ?? Console.Out, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidOperationException
                                  or AudioFormatException or ModelMetadataException)
        {
            error.WriteLine($"error: {e.Message}");
            return InputError;
        }
    }

    /// <summary>The recipe a <c>train</c> command line asks for (no training).</summary>
    internal static TrainingRecipe ParseRecipe(params string[] trainArgs)
    {
        var parse = Build().Parse(["train", .. trainArgs]);
        return parse.Errors.Count > 0 ? throw new UsageException(parse.Errors[0].Message) : RecipeOptions.Read(parse.CommandResult);
    }

    public static RootCommand Build()
    {
        var root = new RootCommand("VoiceEmotion training: train the emotion model (or export one from kept nets), evaluate a model, cross-validate a recipe, measure cross-corpus transfer.");
        root.Subcommands.Add(TrainCommand());
        root.Subcommands.Add(ExportCommand());
        root.Subcommands.Add(EvaluateCommand());
        root.Subcommands.Add(CrossValidateCommand());
        root.Subcommands.Add(TransferCommand());
        root.Subcommands.Add(FitCommand());
        root.Subcommands.Add(CompareCommand());
        root.Subcommands.Add(FoldConfusionsCommand());
        root.Subcommands.Add(PitchCheckCommand());
        return root;
    }

    private static Command TrainCommand()
    {
        var command = new Command("train", "Train the model on the corpora and export it as ONNX. With no recipe options this is the shipped model.");
        var data = Corpora("--data", "corpus to train on: a RAVDESS/TESS folder or .zip (repeat for several)");
        var output = ModelOutput();
        var report = Folder("--report", "write training curves here");
        var validate = Corpus("--validate", "score this corpus after each epoch (validation macro-F1)");
        var saveNets = new Option<string?>("--save-nets")
        {
            Description = "also keep the trained nets in this file (JSON, ≈ 2 MB for the shipped recipe): export writes the model from it again without training",
            HelpName = "nets.json",
        };
        command.Options.Add(data);
        command.Options.Add(output);
        command.Options.Add(report);
        command.Options.Add(validate);
        command.Options.Add(saveNets);
        RecipeOptions.AddTo(command);
        command.SetAction(parse => Commands.Train(parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(report),
            parse.GetValue(validate), RecipeOptions.Read(parse.CommandResult), parse.GetValue(saveNets)));
        return command;
    }

    private static Command ExportCommand()
    {
        var command = new Command("export", "Write the ONNX model of nets kept by train --save-nets (the exporter of this build, the nets and training summary of that run): " +
                                            "the model train wrote, but for its creation time, or the same nets through a changed exporter.");
        var nets = ExistingFile("--nets", "the nets file train --save-nets wrote", "nets.json");
        var output = ModelOutput();
        command.Options.Add(nets);
        command.Options.Add(output);
        command.SetAction(parse => Commands.Export(parse.GetValue(nets)!, parse.GetValue(output)!, parse.InvocationConfiguration.Error));
        return command;
    }

    private static Command EvaluateCommand()
    {
        var command = new Command("evaluate", "Score a model on a corpus, clip-level, streaming or as sessions, under named line conditions; writes the contract JSON.");
        var model = ExistingFile("--model", "the ONNX model to score", "model.onnx");
        var data = Corpora("--data", "corpus to score: a RAVDESS/TESS folder or .zip (repeat for several)");
        var json = new Option<string>("--json") { Description = "write the evaluation JSON here", Required = true, HelpName = "out.json" };
        var streaming = new Option<bool>("--streaming") { Description = "score each clip through the live session" };
        var sessions = new Option<bool>("--sessions") { Description = "score each speaker's clips as one live call" };
        var steady = new Option<bool>("--steady-sessions") { Description = "score each speaker's clips as one live call, one emotion at a time (a call whose mood lasts)" };
        var episodes = new Option<bool>("--episode-sessions")
        {
            Description = $"score each speaker's clips as live calls that are half neutral: the neutral clips as the background, the other emotions in episodes of at most {Scorer.EpisodeClips} clips " +
                          "(a neutral clip is heard, scored and counted in files once per call)",
        };
        var condition = new Option<string>("--condition")
        {
            Description = $"line condition, or all: {string.Join(", ", LineCondition.MatrixNames)}", DefaultValueFactory = _ => "clean", HelpName = "NAME|all",
        };
        condition.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is not "all") CheckConditions(r, "--condition", [r.GetValueOrDefault<string>()], "all or one of");
        });
        var telephone = new Option<bool>("--telephone") { Description = "the same as --condition g711" };
        var report = Folder("--report", "write a Markdown report here");
        var seed = new Option<int>("--seed") { Description = "seed of the line conditions and session orders", DefaultValueFactory = _ => 1, HelpName = "S" };
        foreach (var option in new Option[] { model, data, json, streaming, sessions, steady, episodes, condition, telephone, report, seed }) command.Options.Add(option);
        command.Validators.Add(r =>
        {
            if (new[] { r.GetValue(streaming), r.GetValue(sessions), r.GetValue(steady), r.GetValue(episodes) }.Count(x => x) > 1)
                r.AddError("choose one of --streaming, --sessions, --steady-sessions and --episode-sessions");
            if (r.GetValue(telephone) && r.GetResult(condition) is { Implicit: false } && r.GetValue(condition) != "g711")
                r.AddError("--telephone is --condition g711; give one of them");
        });
        command.SetAction(parse =>
        {
            var mode = parse.GetValue(sessions) ? ScoreMode.Sessions : parse.GetValue(steady) ? ScoreMode.SteadySessions
                : parse.GetValue(episodes) ? ScoreMode.EpisodeSessions : parse.GetValue(streaming) ? ScoreMode.Streaming : ScoreMode.Clip;
            string name = parse.GetValue(telephone) ? "g711" : parse.GetValue(condition)!;
            List<string> conditions = name == "all" ? [.. LineCondition.MatrixNames] : [name];
            return Commands.Evaluate(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(json)!, mode, conditions, parse.GetValue(report), parse.GetValue(seed));
        });
        return command;
    }

    private static Command CrossValidateCommand()
    {
        var command = new Command("cv", "Speaker-grouped k-fold cross-validation of the recipe over several seeds: every mode and condition, calibration.");
        var data = Corpora("--data", "corpus: a RAVDESS/TESS folder or .zip (repeat for several)");
        var report = Folder("--report", "write the cross-validation report here", required: true);
        var folds = Positive("--folds", "speaker-grouped folds", () => 5);
        var seeds = Positive("--seeds", "seeds, each a full cross-validation", () => 1);
        var conditions = new Option<string>("--conditions")
        {
            Description = "line conditions scored besides clean: all, none or a comma-separated list", DefaultValueFactory = _ => "all", HelpName = "all|none|a,b",
        };
        conditions.Validators.Add(r =>
        {
            string list = r.GetValueOrDefault<string>();
            if (list is not ("all" or "none")) CheckConditions(r, "--conditions", ConditionList(list), "all, none or some of");
        });
        var json = new Option<string>("--json") { Description = "write the summary JSON here", HelpName = "out.json" };
        var windows = new Option<string>("--windows")
        {
            Description = "write every out-of-fold scored window here (CSV: seed, fold, evaluation, truth, probabilities) for calibration studies; keep it out of the repository",
            HelpName = "windows.csv",
        };
        var restart = new Option<bool>("--restart")
        {
            Description = $"compute every fold again: delete the folds saved under the report folder ({FoldCheckpoints.Folder}/) by an earlier run; without it a run goes on from the first fold not saved",
        };
        var only = FoldList("--only-folds", "train and score only these folds (numbers from 1, comma-separated) and save them under the report folder; " +
                                            "the report and summary are written once every fold is saved (run again without it to finish, or read the saved folds with compare --folds)");
        var candidate = new Option<string[]>("--candidate")
        {
            Description = "a paired experiment: these recipe options (quoted, e.g. \"--frame-shift blend\") applied over this command's recipe give a candidate that " +
                          "trains beside it on the same draws, one draw for both (≈ 0.6 of the time of two runs); each recipe's folds, report and summary as its own run " +
                          "would write them (the candidate's summary as summary.json in its report folder); needs --candidate-report. Repeatable: candidates that only " +
                          "read the output otherwise (--session-gate, --isolated-temperature, --settled-cnn-share) are scored on the baseline's nets without training; at most one trains",
            HelpName = "\"OPTIONS\"",
        };
        var candidateReport = new Option<string[]>("--candidate-report")
        {
            Description = "with --candidate: the candidate's report folder (its saved folds, report and summary); one per --candidate, in the same order",
            HelpName = "dir",
        };
        foreach (var option in new Option[] { data, report, folds, seeds, conditions, json, windows, restart, only, candidate, candidateReport }) command.Options.Add(option);
        command.Validators.Add(r =>
        {
            int a = r.GetValue(candidate)?.Length ?? 0, b = r.GetValue(candidateReport)?.Length ?? 0;
            if (a != b) r.AddError("--candidate and --candidate-report go together, one report folder per candidate: the candidate's recipe options and where its report goes");
            if (a > 0 && r.GetValue(windows) is not null) r.AddError("--windows keeps one recipe's windows: run it without --candidate");
        });
        RecipeOptions.AddTo(command);
        command.SetAction(parse =>
        {
            string list = parse.GetValue(conditions)!;
            List<string> scored = list switch
            {
                "all" => [.. LineCondition.MatrixNames.Where(n => n != "clean")],
                "none" => [],
                _ => ConditionList(list),
            };
            var recipe = RecipeOptions.Read(parse.CommandResult);
            var paired = (parse.GetValue(candidate) ?? []).Zip(parse.GetValue(candidateReport) ?? [], (options, dir) => (RecipeOptions.ReadOver(recipe, options), dir)).ToList();
            return Commands.CrossValidate(parse.GetValue(data)!, parse.GetValue(report)!, parse.GetValue(folds), parse.GetValue(seeds), scored,
                parse.GetValue(json), parse.GetValue(windows), recipe, parse.GetValue(restart), ChosenFolds(parse, only), paired);
        });
        return command;
    }

    private static Command FitCommand()
    {
        var command = new Command("fit", "How well a cross-validation's kept nets fit their own training speakers, beside its held-out speakers (clip-level, per fold and corpus): " +
                                         "speakers learnt rather than emotions show as a gap. Reads REPORT/folds/*.nets and trains nothing; give the cv's own --data, --folds and recipe options.");
        var data = Corpora("--data", "the cross-validation's corpus: a RAVDESS/TESS folder or .zip (repeat for several, as given to cv)");
        var report = ExistingFolder("--report", "the cv --report folder whose kept nets (folds/*.nets) to read");
        var folds = Positive("--folds", "speaker-grouped folds of that cross-validation", () => 5);
        var condition = new Option<string>("--condition")
        {
            Description = $"line condition both sets are heard through: {string.Join(", ", LineCondition.MatrixNames)}", DefaultValueFactory = _ => "clean", HelpName = "NAME",
        };
        condition.Validators.Add(r => CheckConditions(r, "--condition", [r.GetValueOrDefault<string>()], "one of"));
        foreach (var option in new Option[] { data, report, folds, condition }) command.Options.Add(option);
        RecipeOptions.AddTo(command);
        command.SetAction(parse => FitReport.Run(parse.GetValue(data)!, parse.GetValue(report)!, parse.GetValue(folds), parse.GetValue(condition)!,
            RecipeOptions.Read(parse.CommandResult), parse.InvocationConfiguration.Output));
        return command;
    }

    private static Command TransferCommand()
    {
        var command = new Command("transfer", "Cross-corpus transfer: train on one corpus, score another (clip-level, streaming and each speaker as one call), over several seeds.");
        var train = Corpora("--train", "corpus to train on (repeat for several)");
        var test = Corpora("--test", "corpus to score (repeat for several)");
        var seeds = Positive("--seeds", "seeds (the recipe seed, +1, +2...)", () => 1);
        var report = Folder("--report", "write a Markdown report here");
        var json = new Option<string>("--json") { Description = "write the per-seed figures here", HelpName = "out.json" };
        foreach (var option in new Option[] { train, test, seeds, report, json }) command.Options.Add(option);
        RecipeOptions.AddTo(command);
        command.SetAction(parse => Commands.Transfer(parse.GetValue(train)!, parse.GetValue(test)!, parse.GetValue(seeds), parse.GetValue(report),
            parse.GetValue(json), RecipeOptions.Read(parse.CommandResult)));
        return command;
    }

    private static Command CompareCommand()
    {
        var command = new Command("compare", "Two cross-validations side by side: every figure, its change, and the headline figures a recipe decision reads. " +
                                             "Given two summaries (cv --json), their figures; given two sets of saved folds (a cv --report folder or its " +
                                             $"{FoldConfusions.FileName}, e.g. a baseline kept in docs/model/folds/), the figures of the folds both have finished.");
        var baseline = ExistingPaths("--baseline", $"the recipe to compare against: its summary (cv --json), its report folder (cv --report) or that folder's {FoldConfusions.FileName}; " +
                                                   "saved folds may be given once per seed (repeat the option), read as one set, and then the figures are also shown seed by seed (mean ± sd)",
            "summary.json|DIR|fold-confusions.json");
        var candidate = ExistingPaths("--candidate", $"the recipe under test: its summary (cv --json), its report folder (cv --report) or that folder's {FoldConfusions.FileName}; " +
                                                     "repeatable as --baseline is",
            "summary.json|DIR|fold-confusions.json");
        var margin = new Option<double?>("--margin")
        {
            Description = "also say whether every headline figure is at least the baseline's minus this (a non-inferiority margin, 0 to 1)", HelpName = "X",
            CustomParser = r =>
            {
                string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
                if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 1) return v;
                r.AddError($"--margin needs a number from 0 to 1, got '{token}'");
                return null;
            },
        };
        var folds = FoldList("--folds", "with report folders: read only these folds (numbers from 1, comma-separated), e.g. 3,4,5 for the folds that hold out RAVDESS actors alone");
        var nested = new Option<bool>("--nested")
        {
            Description = "with saved folds and --margin: score each fold by the recipe the margin rule picks on the other folds (nested cross-validation: the choice never reads the speakers it is scored on)",
        };
        var calibration = new Option<bool>("--calibration")
        {
            Description = "with two report folders: also the calibration of each evaluation's windows on both sides (ECE, NLL, and how often an alert — an emotion at 0.6 or more — was right)",
        };
        foreach (var option in new Option[] { baseline, candidate, margin, folds, nested, calibration }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string[] a = parse.GetValue(baseline)!, b = parse.GetValue(candidate)!;
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(calibration) && parse.GetValue(nested))
                throw new UsageException("--calibration and --nested are two reports: run compare once for each");
            if (parse.GetValue(calibration) && !a.Concat(b).All(Directory.Exists))
                throw new UsageException($"--calibration reads the windows that cv --report folders keep: give report folders ({FoldConfusions.FileName} and summaries hold no windows)");
            static bool SavedFolds(string path) => Directory.Exists(path) || FoldConfusions.IsConfusionFile(path);
            bool folded = SavedFolds(a[0]);
            if (a.Concat(b).Any(p => SavedFolds(p) != folded))
                throw new UsageException($"--baseline and --candidate must all be summaries (cv --json) or all saved folds (cv --report folders or their {FoldConfusions.FileName})");
            if (!folded && (a.Length > 1 || b.Length > 1))
                throw new UsageException("a summary (cv --json) already holds all its seeds: give one --baseline and one --candidate, or give saved folds once per seed");
            var only = ChosenFolds(parse, folds);
            if (only is not null && !folded)
                throw new UsageException($"--folds reads saved folds: give two report folders (cv --report) or their {FoldConfusions.FileName}, not summaries");
            if (parse.GetValue(nested))
            {
                if (!folded) throw new UsageException($"--nested reads saved folds: give two report folders (cv --report) or their {FoldConfusions.FileName}, not summaries");
                if (parse.GetValue(margin) is not { } m) throw new UsageException("--nested needs --margin: the rule that picks a recipe on the other folds");
                var (choices, nestedRows, read) = CvComparison.Nested(a, b, only, m);
                output.WriteLine($"folds both have finished ({read.Count}): {string.Join(", ", read)}");
                output.WriteLine();
                output.Write(CvComparison.FormatNested(choices, nestedRows, m));
                return 0;
            }
            List<CvComparison.Row> rows;
            IReadOnlyList<CvComparison.SeedRow>? seeds = null;
            if (folded)
            {
                (var x, var y, var shared, seeds) = CvComparison.ReadSharedFolds(a, b, only);
                output.WriteLine($"folds both have finished ({shared.Count}): {string.Join(", ", shared)}");
                output.WriteLine();
                rows = CvComparison.Compare(x, y);
            }
            else rows = CvComparison.Compare(CvComparison.Read(a[0]), CvComparison.Read(b[0]));
            output.Write(CvComparison.Format(rows, parse.GetValue(margin)));
            if (seeds is not null)
            {
                output.WriteLine();
                output.Write(CvComparison.FormatPerSeed(seeds));
            }
            if (parse.GetValue(calibration))
            {
                output.WriteLine();
                output.WriteLine("Calibration, windows pooled over the same folds (product labels, as the service reports them):");
                output.WriteLine();
                output.Write(CvComparison.FormatCalibration(CvComparison.CompareCalibration(a, b, only)));
            }
            return 0;
        });
        return command;
    }

    private static Command FoldConfusionsCommand()
    {
        var command = new Command("fold-confusions", "Writes the saved folds of a cv --report folder as confusion matrices per seed, fold and evaluation: " +
                                                     "a few kilobytes that compare reads as it reads the folder (macro-F1 pooled to the last digit), to keep a " +
                                                     "baseline in the repository (docs/model/folds/). cv keeps REPORT/" + FoldConfusions.FileName + " up to date itself; " +
                                                     "this writes it for a folder saved by an earlier build.");
        var report = ExistingFolder("--report", "the cv --report folder whose saved folds (folds/) to read");
        var output = new Option<string?>("--out") { Description = $"write here instead of REPORT/{FoldConfusions.FileName}", HelpName = "FILE" };
        command.Options.Add(report);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            string dir = parse.GetValue(report)!;
            string path = FoldConfusions.WriteFor(dir, parse.GetValue(output));
            var folds = FoldConfusions.Load(path);
            parse.InvocationConfiguration.Output.WriteLine($"{path}: {folds.Count} fold(s) ({string.Join(", ", folds.Keys.Select(k => FoldCheckpoints.Name(k.Seed, k.Fold)))}), " +
                                                           $"{new FileInfo(path).Length:N0} bytes");
            return 0;
        });
        return command;
    }

    private static Command PitchCheckCommand()
    {
        var command = new Command("pitch-check", "How the frame features' voicing and f0 hold up through each line condition, on synthetic voices of known f0 " +
                                                 "(voicing decision error, gross pitch error, octave errors); background talkers from the corpus given.");
        var data = Corpora("--data", "corpus whose clips are the background talkers: a RAVDESS/TESS folder or .zip (repeat for several)");
        var voices = Positive("--voices", "synthetic voices of 3 s each", () => 300);
        var seed = new Option<int>("--seed") { Description = "seed of the voices and the lines", DefaultValueFactory = _ => 1, HelpName = "S" };
        var conditions = new Option<string>("--conditions")
        {
            Description = "line conditions: all or a comma-separated list", DefaultValueFactory = _ => "all", HelpName = "all|a,b",
        };
        conditions.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is not "all") CheckConditions(r, "--conditions", ConditionList(r.GetValueOrDefault<string>()), "all or some of");
        });
        foreach (var option in new Option[] { data, voices, seed, conditions }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            string list = parse.GetValue(conditions)!;
            var corpus = new Corpus(parse.GetValue(data)!);
            if (corpus.Clips.Count == 0) throw new UsageException("pitch-check: the corpus has no clips to make background talkers of");
            var pool = Enumerable.Range(0, corpus.Clips.Count).ToList();
            var results = ProgressReporter.Run("pitch-check", p => PitchCheck.Run(list == "all" ? LineCondition.MatrixNames : ConditionList(list),
                parse.GetValue(voices), parse.GetValue(seed), corpus.BabbleFor("", pool), p));
            parse.InvocationConfiguration.Output.Write(PitchCheck.Table(results));
            return 0;
        });
        return command;
    }

    /// <summary>Fold numbers from 1, comma-separated (like 3,4,5); <see cref="ChosenFolds"/> reads it.</summary>
    private static Option<int[]?> FoldList(string name, string description) => new(name)
    {
        Description = description, HelpName = "F,F,...", Arity = ArgumentArity.ExactlyOne,
        CustomParser = r =>
        {
            string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            var parts = token.Split(',', StringSplitOptions.TrimEntries);
            var numbers = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out numbers[i]) || numbers[i] < 1)
                {
                    r.AddError($"{name} needs fold numbers from 1, comma-separated (like 3,4,5), got '{token}'");
                    return null;
                }
            return numbers;
        },
    };

    /// <summary>The folds a <see cref="FoldList"/> option names, or null when it is absent (every fold).</summary>
    private static int[]? ChosenFolds(ParseResult parse, Option<int[]?> option) => parse.GetValue(option) is { Length: > 0 } chosen ? chosen : null;

    /// <summary>A corpus path option: each value must be an existing folder or file.</summary>
    private static Option<string[]> Corpora(string name, string description) => ExistingPaths(name, description, "zip-or-folder");

    /// <summary>A required, repeatable path option (one value per use): each value must be an existing file or folder.</summary>
    private static Option<string[]> ExistingPaths(string name, string description, string helpName)
    {
        var option = new Option<string[]>(name)
        {
            Description = description, Required = true, HelpName = helpName,
            Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false,
        };
        option.Validators.Add(r =>
        {
            foreach (var path in r.GetValueOrDefault<string[]>() ?? []) CheckPath(r, name, path);
        });
        return option;
    }

    /// <summary>An optional single corpus path (an array option of arity one cannot be converted: a plain string).</summary>
    private static Option<string> Corpus(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, HelpName = "zip-or-folder" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } path) CheckPath(r, name, path);
        });
        return option;
    }

    private static void CheckPath(OptionResult r, string name, string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) r.AddError($"{name}: no such file or folder '{path}'");
    }

    /// <summary>A required path option that must name an existing file.</summary>
    private static Option<string> ExistingFile(string name, string description, string helpName)
    {
        var option = new Option<string>(name) { Description = description, Required = true, HelpName = helpName };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } path && !File.Exists(path)) r.AddError($"{name}: no such file '{path}'");
        });
        return option;
    }

    /// <summary>The required <c>--out</c> of the commands that write a model (train, export).</summary>
    private static Option<string> ModelOutput() => new("--out") { Description = "the ONNX model to write", Required = true, HelpName = "model.onnx" };

    /// <summary>A required path option that must name an existing folder.</summary>
    private static Option<string> ExistingFolder(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, Required = true, HelpName = "DIR" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } dir && !Directory.Exists(dir)) r.AddError($"{name}: no such folder '{dir}'");
        });
        return option;
    }

    private static Option<string> Folder(string name, string description, bool required = false) =>
        new(name) { Description = description, Required = required, HelpName = "dir" };

    /// <summary>A number in [0, <paramref name="below"/>) (or [0, 1] when <paramref name="below"/> is null).</summary>
    internal static Option<double> Fraction(string name, string description, Func<double> defaultValue, double? below = null) => new(name)
    {
        Description = description, DefaultValueFactory = _ => defaultValue(), HelpName = "X",
        CustomParser = r =>
        {
            string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && (below is { } b ? v < b : v <= 1)) return v;
            r.AddError($"{name} needs a number from 0 to {(below is { } limit ? $"below {limit.ToString(CultureInfo.InvariantCulture)}" : "1")}, got '{token}'");
            return default;
        },
    };

    /// <summary>A whole number ≥ 0; a bad value is a parse error naming the option and the value.</summary>
    internal static Option<int> Count(string name, string description, Func<int> defaultValue) =>
        Number(name, description, defaultValue, v => v >= 0, "a whole number (0 or more)");

    /// <summary>A number that must be positive; a bad value is a parse error naming the option and the value.</summary>
    internal static Option<T> Positive<T>(string name, string description, Func<T> defaultValue) where T : struct, INumber<T> =>
        Number(name, description, defaultValue, v => v > T.Zero, typeof(T) == typeof(int) ? "a positive integer" : "a positive number");

    private static Option<T> Number<T>(string name, string description, Func<T> defaultValue, Func<T, bool> valid, string need)
        where T : struct, INumber<T>
    {
        bool integer = typeof(T) == typeof(int);
        return new Option<T>(name)
        {
            Description = description, DefaultValueFactory = _ => defaultValue(), HelpName = integer ? "N" : "X",
            CustomParser = r =>
            {
                string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
                var style = integer ? NumberStyles.Integer : NumberStyles.Float;
                if (T.TryParse(token, style, CultureInfo.InvariantCulture, out var v) && valid(v)) return v;
                r.AddError($"{name} needs {need}, got '{token}'");
                return default;
            },
        };
    }

    private static List<string> ConditionList(string list) => [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static void CheckConditions(OptionResult result, string name, IEnumerable<string?> names, string expected)
    {
        foreach (var n in names)
            if (n is null || !LineCondition.Named.ContainsKey(n))
                result.AddError($"{name}: unknown condition '{n}': expected {expected} {string.Join(", ", LineCondition.MatrixNames)}");
    }
}

/// <summary>A command line that parses but cannot run on the data given (e.g. more folds than speakers).</summary>
public sealed class UsageException(string message) : Exception(message);

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace VoiceEmotion.Training;

/// <summary>
/// The command-line face of <see cref="TrainingRecipe"/>: one entry per option, whose default is read from a fresh
/// recipe (so `--help` shows the shipped recipe and a bare `train` reproduces it). A new recipe setting is one more
/// entry in <see cref="Definitions"/>; help, default and validation follow from it.
/// </summary>
internal static class RecipeOptions
{
    private static readonly TrainingRecipe Shipped = new();

    private static IEnumerable<IRecipeOption> Definitions() =>
    [
        Positive("--epochs", "training epochs, each a fresh draw of examples", r => r.Train.Epochs, (r, v) => r with { Train = r.Train with { Epochs = v } }),
        Positive("--passes", "passes over each epoch's examples", r => r.Train.PassesPerEpoch, (r, v) => r with { Train = r.Train with { PassesPerEpoch = v } }),
        Positive("--clips-per-speaker", "clips drawn per speaker each epoch", r => r.ClipsPerSpeaker, (r, v) => r with { ClipsPerSpeaker = v }),
        Positive("--session-clips", "longest simulated training session in clips (3 up to this)", r => r.SessionClips, (r, v) => r with { SessionClips = Math.Max(3, v) }),
        Positive("--batch", "examples per mini-batch", r => r.Train.BatchSize, (r, v) => r with { Train = r.Train with { BatchSize = v } }),
        Positive("--lr", "peak learning rate (AdamW, cosine to 0)", r => r.Train.LearningRate, (r, v) => r with { Train = r.Train with { LearningRate = v } }),
        Positive("--ensemble", "models trained and averaged", r => r.Ensemble, (r, v) => r with { Ensemble = v }),
        new Valued<int>(TrainingCli.Count("--stats-members", "statistics-only nets (no convolutions) added to the ensemble", () => Shipped.StatsMembers),
            (r, v) => r with { StatsMembers = v }),
        new Valued<int>(TrainingCli.Count("--session-members", "session members (statistics relative to the session baseline only, weighted by its weight) added to the ensemble", () => Shipped.SessionMembers),
            (r, v) => r with { SessionMembers = v }),
        new Valued<int>(TrainingCli.Count("--teachers", "CNNs trained first whose mean probabilities each CNN member learns from (distillation; not exported)", () => Shipped.Teachers),
            (r, v) => r with { Teachers = v }),
        Fraction("--teacher-share", "share of the teachers' probabilities in a distilled member's target (the rest is its label)", r => r.Train.TeacherShare,
            (r, v) => r with { Train = r.Train with { TeacherShare = (float)v } }),
        Fraction("--session-gate", "the session members' share of the vote once the baseline has full weight", r => r.SessionGate,
            (r, v) => r with { SessionGate = (float)v }),
        Positive("--seed", "seed of every random draw", r => r.Train.Seed, (r, v) => r with { Train = r.Train with { Seed = v } }),
        // The thread count is the machine's, not the recipe's: the shipped model was trained with 2 threads on 2 cores.
        Positive("--threads", "training threads, this machine's cores unless given; with the seed they fix the weights",
            _ => Environment.ProcessorCount, (r, v) => r with { Train = r.Train with { Threads = v } }),
        Positive("--temperature", "calibration temperature dividing the exported logits", r => r.Temperature, (r, v) => r with { Temperature = v }),
        new Valued<double>(TrainingCli.Positive("--isolated-temperature",
                "temperature factor on the output for speech heard without a session baseline (isolated clips, a call's first seconds), rising to 1 as the session members take over the vote; below 1 sharpens, 1 = none",
                () => Shortest(Shipped.IsolatedTemperature ?? 1)),
            (r, v) => r with { IsolatedTemperature = v == 1 ? null : (float)v }),
        Fraction("--settled-cnn-share",
                "the CNN's part of the vote the session members leave once the session baseline has full weight (one half without a baseline, moving with its weight squared); 0.5 = an equal split throughout",
                r => r.SettledCnnShare ?? 0.5, (r, v) => r with { SettledCnnShare = v == 0.5 ? null : (float)v }),
        Fraction("--ema", "decay of the weight average training ends with (0 = the last step's weights)", r => r.Train.EmaDecay,
            (r, v) => r with { Train = r.Train with { EmaDecay = (float)v } }, below: 1),
        Fraction("--weight-decay", "decoupled weight decay (AdamW) per step, relative to the learning rate", r => r.Train.WeightDecay,
            (r, v) => r with { Train = r.Train with { WeightDecay = (float)v } }),
        Widths("--channels", "output channels of the three convolutions, comma-separated", string.Join(',', Shipped.Net.Channels1, Shipped.Net.Channels2, Shipped.Net.Channels3),
            (r, v) => r with { Net = r.Net with { Channels1 = v[0], Channels2 = v[1], Channels3 = v[2] } }),
        Widths("--teacher-channels", "the teachers' convolution widths, when they differ from the members' (--channels)", null,
            (r, v) => r with { TeacherChannels = (v[0], v[1], v[2]) }),
        Widths("--masks", "widest SpecAugment-style masks on the CNN's frames: frames of time, features of the frame vector (two of each per window, each drawn 0 … this wide)",
            string.Join(',', Nn.EmotionNet.ShippedMasks.Frames, Nn.EmotionNet.ShippedMasks.Features),
            (r, v) => r with { Train = r.Train with { Masks = new Nn.MaskWidths(v[0], v[1]) is var m && m != Nn.EmotionNet.ShippedMasks ? m : null } },
            helpName: "FRAMES,FEATURES", example: "20,8"),
        new Valued<int>(TrainingCli.Count("--attention", "attentive statistics pooling over the CNN's last layer with a scoring layer this wide (0 = plain mean and std over time)", () => Shipped.Net.Attention),
            (r, v) => r with { Net = r.Net with { Attention = v } }),
        Fraction("--dropout", "dropout before the classifier layer", r => r.Net.Dropout, (r, v) => r with { Net = r.Net with { Dropout = (float)v } }, below: 1),
        Fraction("--smoothing", "label smoothing of the training targets", r => r.Train.LabelSmoothing,
            (r, v) => r with { Train = r.Train with { LabelSmoothing = (float)v } }, below: 1),
        Fraction("--mixup", "mixup α: each example blended with another by a Beta(α, α) share, targets too (0 = off)", r => r.Train.Mixup,
            (r, v) => r with { Train = r.Train with { Mixup = (float)v } }, below: 10),
        Fraction("--adversary", "speaker-adversarial training: the largest weight of a loss that leaves a speaker classifier on the hidden layer guessing (0 = off)", r => r.Train.Adversary,
            (r, v) => r with { Train = r.Train with { Adversary = (float)v } }, below: 10),
        new Valued<bool>(new Option<bool>("--balanced-output")
            {
                Description = "re-weight the output for equal emotions by the training windows' class frequencies (RAVDESS calm and neutral, summed into neutral, hold 1.4 times any other emotion's windows); 'false' sums the members' probabilities as they are",
                DefaultValueFactory = _ => Shipped.BalancedOutput,
            }, (r, v) => r with { BalancedOutput = v }),
        Fraction("--clean-consistency", "share of each augmented window's target that is the net's own prediction on the same window heard clean (teacher-student on parallel clean speech; 0 = off; sessions whose tempo moved have no clean view, so it needs --tempo-share below 1)", r => r.Train.CleanConsistency,
            (r, v) => r with { Train = r.Train with { CleanConsistency = (float)v } }),
        Fraction("--formant-warp", "vocal tract length perturbation: each augmented session's formants moved by a factor in 1 ± this (0 = off)", r => r.FormantWarp,
            (r, v) => r with { FormantWarp = v }, below: 0.5),
        Fraction("--tempo", "speaking-rate perturbation: sessions (--tempo-share of them) heard at a tempo moved by a factor from 1/(1 + this) to 1 + this, pitch kept (0 = off)", r => r.TempoRange,
            (r, v) => r with { TempoRange = v }, below: 1),
        Fraction("--tempo-share", "share of the sessions whose tempo --tempo moves (the rest keep their own)", r => r.TempoShare,
            (r, v) => r with { TempoShare = v }),
        Fraction("--pitch", "habitual-pitch perturbation: half of the sessions heard with the pitch moved by up to this many semitones either way, formants and timing kept (0 = off)", r => r.PitchRange,
            (r, v) => r with { PitchRange = v }, below: 12),
        Fraction("--pitch-range", "intonation-range perturbation: half of the sessions heard with the pitch's distance from the clip's median scaled by a factor from 1/(1 + this) to 1 + this, formants and timing kept (0 = off)", r => r.PitchRangeScale,
            (r, v) => r with { PitchRangeScale = v }, below: 3),
        Fraction("--dynamics", "loudness-dynamics perturbation: half of the sessions heard with the loudness contour scaled about its active level by an exponent from 1/(1 + this) to 1 + this, words, pitch and timing kept (0 = off)", r => r.DynamicsRange,
            (r, v) => r with { DynamicsRange = v }, below: 3),
        Fraction("--shuffle", "word-order perturbation: share of the sessions whose clips have their speech cut at pauses into 0.2–0.6 s pieces played in another order (0 = off)", r => r.ShuffleShare,
            (r, v) => r with { ShuffleShare = v }),
        Fraction("--clean-share", "share of augmented training sessions left clean", r => r.CleanShare, (r, v) => r with { CleanShare = v }),
        Fraction("--babble-share", "share of the augmented sessions' lines not left clean that carry background talkers (3–7 other training speakers at 0–25 dB SNR)",
            r => r.BabbleShare, (r, v) => r with { BabbleShare = v }),
        new Valued<Nn.FrameShift>(new Option<Nn.FrameShift>("--frame-shift")
            {
                Description = "subtracted from every frame before the convolutions: none, the window's own means, the session baseline's (scaled by its weight w), or a blend of the two ((1 - w) window + w baseline)",
                DefaultValueFactory = _ => Shipped.Net.FrameShift,
            }, (r, v) => r with { Net = r.Net with { FrameShift = v } }),
        Switch("--own-draws", "every ensemble member draws its own examples each epoch instead of learning from the first member's draw (the recipe before stop 41; about twice the training time)", r => r with { SharedDraws = false }),
        Switch("--shared-draws", "every ensemble member learns from one draw per epoch, the first member's (the default; kept so that earlier commands still run)", r => r with { SharedDraws = true }),
        Switch("--no-augment", "train on clean audio (no simulated line conditions)", r => r with { Augment = false }),
        Switch("--phone-lines", "a telephone specialist: every augmented session a phone line (8 kHz G.711 or GSM, band-limited), none clean", r => r with { PhoneLines = true }),
        Switch("--no-session", "every clip is its own session (no session adaptation)", r => r with { SessionAdaptation = false }),
        Switch("--no-stats", "drop the window-statistics branch of the model", r => r with { Net = r.Net with { StatsHidden = 0 } }),
        Switch("--no-frames", "drop the frame (convolution) branch of the model", r => r with { Net = r.Net with { UseFrames = false } }),
    ];

    /// <summary>Adds the recipe options to <paramref name="command"/>, with a check that the model keeps an input.</summary>
    public static void AddTo(Command command)
    {
        foreach (var option in Definitions()) command.Options.Add(option.Option);
        command.Validators.Add(result =>
        {
            if (result.GetValue<bool>("--own-draws") && result.GetValue<bool>("--shared-draws"))
                result.AddError("--own-draws and --shared-draws contradict each other: give one (shared draws are the default)");
            if (result.GetValue<bool>("--phone-lines") && result.GetValue<bool>("--no-augment"))
                result.AddError("--phone-lines draws every session's line: it cannot go with --no-augment");
            if (result.GetValue<bool>("--no-stats") && result.GetValue<bool>("--no-frames"))
                result.AddError("--no-stats and --no-frames together leave the model no input");
            if (result.GetValue<bool>("--no-stats") && result.GetValue<Nn.FrameShift>("--frame-shift") != Nn.FrameShift.None)
                result.AddError("--frame-shift takes its values from the statistics input: it cannot go with --no-stats");
            if (Given<double>(result, "--clean-consistency") > 0 && (Given<double>(result, "--mixup") > 0 || Given<int>(result, "--teachers") > 0))
                result.AddError("--clean-consistency sets each example's target from its clean view: it cannot go with --mixup or --teachers");
            if (result.GetValue<bool>("--no-frames") && result.GetValue<int>("--teachers") > 0)
                result.AddError("--teachers are CNNs: they cannot go with --no-frames");
        });
    }

    // An option's value for a check between options; its default when the value itself is bad (that option's own error
    // is the one reported).
    private static T? Given<T>(CommandResult result, string name)
    {
        try { return result.GetValue<T>(name); }
        catch (InvalidOperationException) { return default; }
    }

    /// <summary>The recipe a command's line asks for: the shipped recipe with each recipe option applied (looked up by name,
    /// so any command that called <see cref="AddTo"/> can be read).</summary>
    public static TrainingRecipe Read(SymbolResult result) => Definitions().Aggregate(new TrainingRecipe(), (recipe, option) => option.Apply(recipe, result));

    /// <summary>A paired candidate's recipe (<c>cv --candidate "OPTIONS"</c>): <paramref name="baseline"/> with only the
    /// recipe options given in <paramref name="options"/> applied, so the candidate names what it changes and nothing
    /// else. Throws <see cref="UsageException"/> for anything that is not a recipe option or a bad value.</summary>
    public static TrainingRecipe ReadOver(TrainingRecipe baseline, string options)
    {
        var command = new Command("--candidate");
        AddTo(command);
        var parse = command.Parse(options.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (parse.Errors.Count > 0) throw new UsageException($"--candidate \"{options}\": {parse.Errors[0].Message}");
        return Definitions().Aggregate(baseline, (recipe, option) =>
            parse.CommandResult.GetResult(option.Option.Name) is OptionResult { Implicit: false } ? option.Apply(recipe, parse.CommandResult) : recipe);
    }

    private interface IRecipeOption
    {
        Option Option { get; }

        TrainingRecipe Apply(TrainingRecipe recipe, SymbolResult result);
    }

    private sealed class Valued<T>(Option<T> option, Func<TrainingRecipe, T, TrainingRecipe> set) : IRecipeOption
    {
        public Option Option => option;

        public TrainingRecipe Apply(TrainingRecipe recipe, SymbolResult result) => set(recipe, result.GetValue<T>(option.Name)!);
    }

    private static Valued<T> Positive<T>(string name, string description, Func<TrainingRecipe, T> get, Func<TrainingRecipe, T, TrainingRecipe> set)
        where T : struct, INumber<T> => new(TrainingCli.Positive(name, description, () => get(Shipped)), set);

    private static Valued<double> Fraction(string name, string description, Func<TrainingRecipe, double> get, Func<TrainingRecipe, double, TrainingRecipe> set, double? below = null) =>
        new(TrainingCli.Fraction(name, description, () => Shortest(get(Shipped)), below), set);

    /// <summary>A recipe's float settings widen to doubles like 9.999999747378752E-05; help shows (and the option
    /// defaults to) the float's own shortest form, 0.0001, which narrows back to the same float.</summary>
    private static double Shortest(double value) =>
        (double)(float)value == value ? double.Parse(((float)value).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : value;

    /// <summary>Positive widths written "48,64,64" (<paramref name="example"/>; help shows <paramref name="shipped"/>, when
    /// there is one, in that form); a bad list is a parse error naming the option. Without a default, leaving the option
    /// out changes nothing.</summary>
    private static Valued<string?> Widths(string name, string description, string? shipped, Func<TrainingRecipe, int[], TrainingRecipe> set,
        string helpName = "C1,C2,C3", string example = "48,64,64")
    {
        int count = helpName.Split(',').Length;
        string howMany = count switch { 2 => "two", 3 => "three", _ => count.ToString(CultureInfo.InvariantCulture) };
        return new(
            new Option<string?>(name)
            {
                Description = description, HelpName = helpName, DefaultValueFactory = shipped is null ? null : _ => shipped,
                CustomParser = r =>
                {
                    string token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
                    if (ParseWidths(token, count) is null) r.AddError($"{name} needs {howMany} positive widths (at most 1024) like {example}, got '{token}'");
                    return token;
                },
            },
            (r, v) => v is null ? r : set(r, ParseWidths(v, count)!)); // the parser has refused any list ParseWidths rejects
    }

    private static int[]? ParseWidths(string list, int count)
    {
        var parts = list.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count) return null;
        var widths = new int[count];
        for (int i = 0; i < count; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out widths[i]) || widths[i] is <= 0 or > 1024) return null;
        return widths;
    }

    private static Valued<bool> Switch(string name, string description, Func<TrainingRecipe, TrainingRecipe> set) =>
        new(new Option<bool>(name) { Description = description }, (recipe, on) => on ? set(recipe) : recipe);
}

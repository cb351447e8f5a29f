using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>One epoch of one member, for progress lines and training curves: <paramref name="Loss"/> is the mean over the epoch's passes, <paramref name="FreshLoss"/>
/// the first pass's (each example met before the net stepped on it; see <see cref="Nn.Trainer.EpochDone"/>). With a speaker
/// adversary, <paramref name="SpeakerAccuracy"/> is the share of training windows whose speaker it guessed.</summary>
public sealed record EpochReport(int Member, int Epoch, int Examples, double Loss, double FreshLoss, double? ValidationMacroF1, double FeatureSeconds, double Seconds,
    double? SpeakerAccuracy = null);

/// <summary>
/// Everything that decides a trained model: architecture, data drawing (clips per speaker, augmentation, session
/// simulation), optimiser settings, ensemble size and calibration temperature. The defaults here are the shipped
/// model's recipe: the README's train command uses them unchanged.
/// </summary>
public sealed record TrainingRecipe
{
    public NetConfig Net { get; init; } = new()
    {
        Features = FeatureSchema.FrameFeatureCount,
        Stats = FeatureSchema.WindowFeatureCount,
        Classes = DatasetLoader.TrainingLabels.Count,
        // The convolutions hear each frame relative to a blend of the window's own means and the session's baseline
        // voice, by how much speech backs the baseline: an isolated clip's absolute level never reaches them, a long
        // call's frames are heard against the speaker's usual voice. Shipped since stop 47 (three seeds over all 22
        // speakers, each paired with the session shift on the same draws; docs/model/recipe-experiments.md "Stop 45").
        FrameShift = FrameShift.Blend,
    };

    public TrainOptions Train { get; init; } = new();

    /// <summary>Clips drawn per speaker each epoch (fewer when the speaker has fewer): keeps the two TESS speakers'
    /// 1,400 clips each from outweighing twenty RAVDESS actors, while every epoch still sees new TESS words.</summary>
    public int ClipsPerSpeaker { get; init; } = 100;

    /// <summary>Pass every session through a random real-line condition drawn afresh each epoch.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Share of augmented training sessions left clean.</summary>
    public double CleanShare { get; init; } = Channels.LineCondition.DefaultCleanShare;

    /// <summary>Share of the augmented sessions' lines (those not left clean) that carry background talkers, 3–7 other
    /// training speakers at 0–25 dB SNR (<see cref="Channels.LineCondition.Draw"/>). 0.35 (shipped; 0.6 failed its screen in
    /// stop 64, docs/model/recipe-experiments.md); at 0.35 the draws are exactly those before it could be set.</summary>
    public double BabbleShare { get; init; } = Channels.LineCondition.DefaultBabbleShare;

    /// <summary>A telephone specialist: every augmented session is a phone line (8 kHz G.711 or GSM, band-limited; the
    /// other parts of the line drawn as usual, <see cref="Channels.LineCondition.Draw"/>), none clean — for the sessions
    /// that arrive at 8 kHz (phone bridges), where the wideband part of the general model's training is never heard.
    /// Off (shipped): the draws are exactly those before the option existed.</summary>
    public bool PhoneLines { get; init; }

    /// <summary>Vocal tract length perturbation: above 0, every augmented session hears its speaker with the formants
    /// moved by a factor drawn uniformly from 1 ± this (<see cref="FrameFeatureExtractor.FrameFeatureExtractor(double)"/>), a new voice of
    /// the same speaking style. 0 (shipped): off, and the other draws are exactly those of a recipe without it.</summary>
    public double FormantWarp { get; init; }

    /// <summary>Speaking-rate perturbation: above 0, the <see cref="TempoShare"/> of the sessions (each its own draw, from
    /// the session's seed) hear their speaker at a tempo moved by a factor drawn log-uniformly from 1/(1 + this) to 1 + this, pitch and
    /// formants kept (<see cref="Channels.LineSimulator.Stretch"/>): one speaker's habitual rate moves, their changes
    /// of rate within the session stay. 0.3 (shipped since stop 58, after cross-validation met its adoption rule in stop 57:
    /// RAVDESS level, TESS and RAVDESS→TESS transfer up); 0 (<c>--tempo 0</c>): off, and the other draws are exactly those
    /// of a recipe without it.</summary>
    public double TempoRange { get; init; } = 0.3;

    /// <summary>Share of the sessions whose tempo the <see cref="TempoRange"/> moves (each its own draw, from the
    /// session's seed). 1 since stop 62 (every session: its three-seed cross-validation met the rule written in stop 59,
    /// docs/model/recipe-experiments.md "Stop 62"); 0.5 in stops 58–61, whose draws are exactly those before this option
    /// existed.</summary>
    public double TempoShare { get; init; } = 1;

    /// <summary>Habitual-pitch perturbation, in semitones: above 0, half of the sessions (each its own draw, from the
    /// session's seed) hear their speaker with the pitch moved by a shift drawn uniformly from −this to +this, formants and
    /// timing kept (<see cref="Channels.LineSimulator.ShiftPitchKeepingFormants"/>): a voice pitched higher or lower, the
    /// same vocal tract and the same intonation around it. 0 (shipped): off, and the other draws are exactly those of a
    /// recipe without it.</summary>
    public double PitchRange { get; init; }

    /// <summary>Intonation-range perturbation: above 0, half of the sessions (each its own draw, from the session's seed)
    /// hear their speaker with the pitch's distance from the clip's median scaled by a factor drawn log-uniformly from
    /// 1/(1 + this) to 1 + this (<see cref="Channels.LineSimulator.ScalePitchRange"/>): a speaker whose pitch moves more
    /// or less around the same habitual pitch, formants and timing kept. 0 (shipped): off, left out of the recipe's
    /// fingerprint, and the other draws are exactly those of a recipe without it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double PitchRangeScale { get; init; }

    /// <summary>Loudness-dynamics perturbation: above 0, half of the sessions (each its own draw, from the session's seed)
    /// hear their speaker with the loudness contour scaled about its active level by an exponent drawn log-uniformly from
    /// 1/(1 + this) to 1 + this (<see cref="Channels.LineSimulator.ScaleDynamics"/>): a speaker of wider or evener
    /// dynamics, the same words, pitch and timing. 0 (shipped): off, left out of the recipe's fingerprint (so folds saved
    /// before it existed still match), and the other draws are exactly those of a recipe without it.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double DynamicsRange { get; init; }

    /// <summary>Word-order perturbation: the share of sessions (each its own draw, from the session's seed) whose clips
    /// are heard with their speech cut at pauses and dips into 0.2–0.6 s pieces played in another order
    /// (<see cref="Channels.LineSimulator.ShuffleSegments"/>): the voice, the emotion and the sounds stay, the sentence's
    /// shape over a window does not (RAVDESS's actors all say the same two sentences). 0 (shipped): off, and the other
    /// draws are exactly those of a recipe without it.</summary>
    public double ShuffleShare { get; init; }

    /// <summary>Every member learns from one draw per epoch (the first member's, so that member trains exactly as
    /// without this) instead of drawing its own: the members step through their epochs side by side. Drawing and
    /// extracting augmented features is ≈ 80 % of training, so this takes training to roughly half; the other members
    /// see other examples than with their own draws. On (shipped since stop 41, after cross-validation met its adoption rule
    /// at 55 % less training time); off (<c>--own-draws</c>): each member draws its own, the recipe before.</summary>
    public bool SharedDraws { get; init; } = true;

    /// <summary>Train the session block as live sessions fill it (simulated sessions of each speaker's clips); off:
    /// every clip is its own session, as in isolated-clip use.</summary>
    public bool SessionAdaptation { get; init; } = true;

    /// <summary>Longest simulated training session, in clips (lengths are drawn from 3 up to this).</summary>
    public int SessionClips { get; init; } = 24;

    public int Ensemble { get; init; } = 1;

    /// <summary>Members added to the ensemble that read only the window statistics (an MLP, no convolutions). In
    /// cross-validation the CNN scored better on RAVDESS and the statistics-only net on TESS: averaged, each covers
    /// what the other misses, at a few microseconds more per window.</summary>
    public int StatsMembers { get; init; } = 1;

    /// <summary>Session members added to the ensemble (<see cref="NetConfig.IsSessionMember"/>): statistics-only nets that
    /// read only the window relative to the session baseline and take the share <see cref="SessionGate"/> · w² of the
    /// vote, w being the baseline's weight (<see cref="EnsembleWeights"/>).</summary>
    public int SessionMembers { get; init; } = 1;

    /// <summary>CNNs (of the shape <see cref="TeacherNet"/>) trained first, each with its own seed and fresh draws, and then set
    /// aside: every CNN member of the ensemble learns from targets that blend its label with their mean probabilities
    /// (distillation), so the shipped network can keep some of what averaging independently trained CNNs gains (stop 32)
    /// at one network's inference cost. Not exported. 0 = labels only.</summary>
    public int Teachers { get; init; }

    /// <summary>The teachers trained: <see cref="Teachers"/>, or none when the members have no CNN to teach.</summary>
    internal int TrainedTeachers => Net.UseFrames ? Teachers : 0;

    /// <summary>The teachers' three convolution widths; null: the members' (<see cref="Net"/>).</summary>
    public (int C1, int C2, int C3)? TeacherChannels { get; init; }

    /// <summary>The teachers' shape: <see cref="Net"/>, with <see cref="TeacherChannels"/> when set.</summary>
    public NetConfig TeacherNet => TeacherChannels is var (c1, c2, c3) ? Net with { Channels1 = c1, Channels2 = c2, Channels3 = c3 } : Net;

    /// <summary>The session members' share of the ensemble at full baseline weight (w = 1). 0.5 since stop 50: with 1 they
    /// held nearly the whole vote in a long call (≥ 0.8 after 45 s of speech), and after minutes of one emotion — when the
    /// baseline has become that emotion — nothing left in the vote heard the voice itself. Fixed a priori and scored on
    /// seed 2 with the same nets (docs/model/recipe-experiments.md "Stop 50"): calls that keep one emotion 0.418 → 0.506,
    /// calls in random order 0.587 → 0.602, clips and lines unchanged.</summary>
    public float SessionGate { get; init; } = 0.5f;

    /// <summary>The shape of every ensemble member, in order: <see cref="Ensemble"/> × <see cref="Net"/>, then
    /// <see cref="StatsMembers"/> statistics-only nets, then <see cref="SessionMembers"/> session members (none without
    /// session adaptation or the statistics input).</summary>
    public IReadOnlyList<NetConfig> MemberConfigs() =>
    [
        .. Enumerable.Repeat(Net, Ensemble),
        .. Enumerable.Repeat(Net with { UseFrames = false, FrameShift = FrameShift.None }, Net.UseStats ? StatsMembers : 0),
        .. Enumerable.Repeat(Net with { UseFrames = false, FrameShift = FrameShift.None, SessionGate = SessionGate },
            Net.UseStats && SessionAdaptation && SessionGate > 0 ? SessionMembers : 0),
    ];

    /// <summary>Re-weight the ensemble's output for equal product classes by the training windows' class frequencies
    /// (<see cref="ClassBalance"/>); off: the members' probabilities as they are, calm and neutral summed. On since stop 48
    /// (the same nets scored both ways over all 22 speakers: clip +0.044, live updates +0.049, whole calls +0.011, the
    /// conditions' mean +0.043; docs/model/recipe-experiments.md "Stop 48"). Written into the recipe's fingerprint only
    /// when on, so saved folds of recipes from before it still match theirs.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool BalancedOutput { get; init; } = true;

    /// <summary>Calibration that follows the session (<see cref="SessionTemperature"/>): the output's temperature factor
    /// for speech heard without a session baseline, rising with the session members' share of the vote (to 1 with gate 1,
    /// 0.85 with the shipped 0.5: <see cref="SessionTemperature.At"/>); null: none.
    /// 0.7 since stop 49 (fixed on stop 48's seed-1 windows, then scored on seed 2 with the same nets: ECE of live updates
    /// 0.114 → 0.086, isolated clips 0.153 → 0.098, every line condition lower, whole calls level, macro-F1 +0.000 to
    /// +0.007; docs/model/recipe-experiments.md "Stop 49"). Written into the recipe's fingerprint only when set, so
    /// saved folds of recipes without it still match theirs.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public float? IsolatedTemperature { get; init; } = 0.7f;

    /// <summary>The CNN's part of the vote the session members leave, once the session baseline has full weight: one half
    /// without a baseline, moving to this with the baseline's weight squared (<see cref="EnsembleWeights.CnnPart"/>); null:
    /// an equal split throughout. 0.35 since stop 52 (read on the kept nets of seeds 1–3 by a rule set before the reading:
    /// steady calls +0.007 and episode calls +0.007, up on every seed, isolated clips and live updates level;
    /// docs/model/recipe-experiments.md "Stop 52"). Written into the recipe's fingerprint only when set, so saved folds
    /// of recipes without it still match theirs.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public float? SettledCnnShare { get; init; } = 0.35f;

    /// <summary>Calibration: logits are divided by this in the exported model. Fitted by <c>cv</c> on out-of-fold
    /// predictions (training speakers only) and set here, so the README's train command reproduces the shipped model.</summary>
    public float Temperature { get; init; } = 1.45f;

    public string Describe() =>
        $"net: frames={Net.UseFrames} (shift {Net.FrameShift.ToString().ToLowerInvariant()}) conv {Net.Channels1}/{Net.Channels2}/{Net.Channels3}{(Net.UsesAttention ? $" attentive pooling {Net.Attention}" : "")} stats-branch={Net.StatsHidden} hidden={Net.Hidden} dropout={Net.Dropout}; " +
        $"data: {ClipsPerSpeaker} clips/speaker/epoch, augmentation {(Augment ? $"fresh each epoch ({(PhoneLines ? "phone lines only" : $"{CleanShare:P0} clean")}{(BabbleShare != Channels.LineCondition.DefaultBabbleShare ? $", background talkers on {BabbleShare:P0} of the lines" : "")}{(FormantWarp > 0 ? $", formant warp ±{FormantWarp:0.##}" : "")}{(TempoRange > 0 ? $", tempo ×1/{1 + TempoRange:0.##}…{1 + TempoRange:0.##} in {(TempoShare == 0.5 ? "half the" : $"{TempoShare:P0} of the")} sessions" : "")}{(PitchRange > 0 ? $", pitch ±{PitchRange:0.##} st in half the sessions" : "")}{(PitchRangeScale > 0 ? $", intonation range ×{1 / (1 + PitchRangeScale):0.##}…{1 + PitchRangeScale:0.##} in half the sessions" : "")}{(DynamicsRange > 0 ? $", loudness contour ×{1 / (1 + DynamicsRange):0.##}…{1 + DynamicsRange:0.##} in half the sessions" : "")}{(ShuffleShare > 0 ? $", speech pieces reordered in {ShuffleShare:P0} of the sessions" : "")})" : "off")}, session adaptation {(SessionAdaptation ? "on" : "off")}; " +
        $"epochs {Train.Epochs} × {Train.PassesPerEpoch} passes, batch {Train.BatchSize}, lr {Train.LearningRate}, EMA {Train.EmaDecay}, wd {Train.WeightDecay}, smoothing {Train.LabelSmoothing}{(Train.Mixup > 0 ? $", mixup α {Train.Mixup}" : "")}{(Train.Adversary > 0 ? $", speaker adversary λ {Train.Adversary:0.###}" : "")}{(Train.CleanConsistency > 0 ? $", clean-view consistency {Train.CleanConsistency:0.##}" : "")}{(Train.Masks is { } masks ? $", masks ≤ {masks.Frames} frames / {masks.Features} features" : "")}; " +
        $"{(SharedDraws ? "members share each epoch's draw; " : "")}{(TrainedTeachers > 0 ? $"{Teachers} CNN teacher{(Teachers == 1 ? "" : "s")}{(TeacherChannels is var (t1, t2, t3) ? $" conv {t1}/{t2}/{t3}" : "")} (share {Train.TeacherShare:0.##}; first in the curves, not exported), " : "")}ensemble {Ensemble}{(StatsMembers > 0 ? $" + {StatsMembers} statistics-only" : "")}{(MemberConfigs().Any(c => c.IsSessionMember) ? $" + {SessionMembers} session (gate {SessionGate:0.##})" : "")}; temperature {Temperature:0.###}{(IsolatedTemperature is { } isolated ? $" (× {isolated:0.###} without a session baseline)" : "")}{(SettledCnnShare is { } settled ? $"; CNN part {settled:0.###} of the rest once the baseline is full" : "")}{(BalancedOutput ? "; output balanced by class" : "")}; seed {Train.Seed}";

    /// <summary>Trains the ensemble on the given clips of the corpus.</summary>
    public List<EmotionNet> Fit(Corpus corpus, IReadOnlyList<int> clips, Action<double>? progress = null, Action<EpochReport, EmotionNet>? epochDone = null)
    {
        var members = new List<EmotionNet>();
        var configs = MemberConfigs();
        var teachers = new List<EmotionNet>();
        int teacherCount = TrainedTeachers, total = teacherCount + configs.Count;
        // Teachers' seeds lie apart from the members', so the statistics and session members (and their draws) are the
        // same as without teachers: a comparison with the plain recipe differs only in how the CNN learnt.
        for (int t = 0; t < teacherCount; t++)
            teachers.Add(TrainOne(corpus, clips, TeacherNet, Seeds.Mix(Train.Seed, -1 - t, 99), t, total, [], progress, epochDone));
        if (SharedDraws && configs.Count > 1)
            return FitSideBySide(corpus, clips, [this], teachers, teacherCount, progress, epochDone is null ? null : (_, report, net) => epochDone(report, net))[0];
        for (int m = 0; m < configs.Count; m++)
        {
            var net = TrainOne(corpus, clips, configs[m], Seeds.Mix(Train.Seed, m, 99), teacherCount + m, total,
                configs[m].UseFrames ? teachers : [], progress, epochDone);
            net.Temperature = Temperature;
            net.IsolatedTemperature = IsolatedTemperature;
            net.SettledCnnShare = SettledCnnShare;
            members.Add(net);
        }
        return members;
    }

    /// <summary>
    /// Trains this recipe and <paramref name="candidate"/> side by side on one draw per epoch: a paired experiment at the
    /// cost of one draw (≈ 80 % of training) instead of two. Every member of either is trained exactly as in its own run
    /// — same seed, same draws, same standardisation, same steps — because the candidate differs only where the draw does
    /// not look (<see cref="PairingProblems"/>; a <see cref="UsageException"/> names what differs otherwise).
    /// <paramref name="epochDone"/> gets 0 (this recipe) or 1 (the candidate) with each member's report.
    /// </summary>
    public (List<EmotionNet> Baseline, List<EmotionNet> Candidate) FitPaired(Corpus corpus, IReadOnlyList<int> clips, TrainingRecipe candidate,
        Action<double>? progress = null, Action<int, EpochReport, EmotionNet>? epochDone = null)
    {
        if (PairingProblems(candidate) is { Count: > 0 } problems)
            throw new UsageException($"the candidate cannot share the baseline's draws: {string.Join("; ", problems)}");
        var both = FitSideBySide(corpus, clips, [this, candidate], [], 0, progress, epochDone);
        return (both[0], both[1]);
    }

    /// <summary>Why <paramref name="candidate"/> could not train on this recipe's draws as it would on its own (empty: it
    /// can): the draw depends on the seed, the epochs, the clips per speaker, the augmentation and its clean share, the
    /// formant warp, the session simulation, and on shared draws (each member drawing its own would not pair); teachers
    /// train on draws of their own and are not paired.</summary>
    public List<string> PairingProblems(TrainingRecipe candidate)
    {
        var problems = new List<string>();
        void Same<T>(string name, T a, T b)
        {
            if (!EqualityComparer<T>.Default.Equals(a, b)) problems.Add($"{name} differs ({a} against {b})");
        }
        Same("--seed", Train.Seed, candidate.Train.Seed);
        Same("--epochs", Train.Epochs, candidate.Train.Epochs);
        Same("--clips-per-speaker", ClipsPerSpeaker, candidate.ClipsPerSpeaker);
        Same("augmentation (--no-augment)", Augment, candidate.Augment);
        Same("--clean-share", CleanShare, candidate.CleanShare);
        Same("--phone-lines", PhoneLines, candidate.PhoneLines);
        Same("--babble-share", BabbleShare, candidate.BabbleShare);
        Same("--formant-warp", FormantWarp, candidate.FormantWarp);
        Same("--tempo", TempoRange, candidate.TempoRange);
        Same("--tempo-share", TempoShare, candidate.TempoShare);
        Same("--pitch", PitchRange, candidate.PitchRange);
        Same("--shuffle", ShuffleShare, candidate.ShuffleShare);
        Same("--pitch-range", PitchRangeScale, candidate.PitchRangeScale);
        Same("--dynamics", DynamicsRange, candidate.DynamicsRange);
        Same("session adaptation (--no-session)", SessionAdaptation, candidate.SessionAdaptation);
        Same("--session-clips", SessionClips, candidate.SessionClips);
        if (!SharedDraws || !candidate.SharedDraws) problems.Add("--own-draws gives every member a draw of its own");
        if (TrainedTeachers > 0 || candidate.TrainedTeachers > 0) problems.Add("--teachers train on draws of their own");
        return problems;
    }

    /// <summary>Whether <paramref name="other"/> trains exactly this recipe's nets and differs at most in how their output is
    /// read: the session members' gate (both with session members), the session-following temperature and the CNNs' settled share. Such a
    /// candidate is scored on this recipe's nets, with no training of its own (<see cref="CrossValidation"/>).</summary>
    public bool ReadsSameNets(TrainingRecipe other) => NetsOnly() == other.NetsOnly();

    /// <summary>This recipe without how its output is read: the session gate reduced to whether session members vote, no
    /// session-following temperature, an equal split of the rest. Recipes with the same <see cref="NetsOnly"/> train the same nets.</summary>
    public TrainingRecipe NetsOnly() => this with { SessionGate = SessionGate > 0 ? 1 : 0, IsolatedTemperature = null, SettledCnnShare = null };

    /// <summary><see cref="SharedDraws"/>: the members of every recipe in <paramref name="recipes"/> (which draw alike:
    /// <see cref="PairingProblems"/>) step through their epochs side by side over the first member's source, each
    /// standardised as its own run would be; epoch by epoch, member by member, so the reports come in that order.</summary>
    private List<List<EmotionNet>> FitSideBySide(Corpus corpus, IReadOnlyList<int> clips, IReadOnlyList<TrainingRecipe> recipes,
        IReadOnlyList<EmotionNet> teachers, int teacherCount, Action<double>? progress, Action<int, EpochReport, EmotionNet>? epochDone)
    {
        var source = new SessionExampleSource(corpus, clips, this, Seeds.Mix(Train.Seed, 0, 99), cleanViews: recipes.Any(r => r.Train.CleanConsistency > 0));
        source.BeginEpoch(0);
        int slots = teacherCount + recipes.Sum(r => r.MemberConfigs().Count);
        var done = new double[slots - teacherCount]; // each member's share of its own training, for one progress figure
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var groups = new List<List<EmotionNet>>();
        var runs = new List<Trainer.Run>();
        var speakerAccuracy = new double?[done.Length];
        int slot = 0;
        for (int g = 0; g < recipes.Count; g++)
        {
            var recipe = recipes[g];
            var configs = recipe.MemberConfigs();
            var standardisation = source.Standardisation(recipe.Net);
            var members = new List<EmotionNet>();
            for (int m = 0; m < configs.Count; m++, slot++)
            {
                int group = g, member = m, index = slot, seed = Seeds.Mix(recipe.Train.Seed, m, 99);
                var net = NewNet(configs[m], seed, standardisation);
                var trainer = new Trainer(net, recipe.Train with { Seed = seed })
                {
                    Progress = progress is null ? null : p => { done[index] = p; progress((teacherCount + done.Sum()) / slots); },
                    AdversaryDone = (_, _, accuracy) => speakerAccuracy[index] = accuracy,
                    // The draw is counted once, with the member that owns it.
                    EpochDone = (epoch, loss, fresh) => epochDone?.Invoke(group, new EpochReport(teacherCount + member, epoch, source.Count, loss, fresh,
                        null, index == 0 ? source.FeatureSeconds : 0, watch.Elapsed.TotalSeconds, speakerAccuracy[index]), net),
                    Teachers = configs[m].UseFrames ? teachers : [],
                };
                members.Add(net);
                runs.Add(trainer.Start(source));
            }
            groups.Add(members);
        }
        for (int epoch = 0; epoch < Train.Epochs; epoch++)
            foreach (var run in runs) run.Epoch(epoch);
        for (int g = 0; g < recipes.Count; g++)
        {
            var classWeights = recipes[g].BalancedOutput ? ClassBalance.Weights(DatasetLoader.TrainingLabels, source.LabelCounts) : null;
            foreach (var net in groups[g])
            {
                net.Temperature = recipes[g].Temperature;
                net.ClassWeights = classWeights;
                net.IsolatedTemperature = recipes[g].IsolatedTemperature;
                net.SettledCnnShare = recipes[g].SettledCnnShare;
            }
        }
        return groups;
    }

    private static EmotionNet NewNet(NetConfig config, int seed, (float[] FrameMean, float[] FrameScale, float[] StatsMean, float[] StatsScale) standardisation)
    {
        var (frameMean, frameScale, statsMean, statsScale) = standardisation;
        var net = new EmotionNet(config, seed);
        frameMean.CopyTo(net.FrameMean);
        frameScale.CopyTo(net.FrameScale);
        statsMean.CopyTo(net.StatsMean);
        statsScale.CopyTo(net.StatsScale);
        if (config.IsSessionMember)
        {
            // Blind to the absolute statistics: they are standardised to 0, in training and in the exported graph alike.
            net.StatsMean.AsSpan(0, FeatureSchema.WindowStatisticsCount).Clear();
            net.StatsScale.AsSpan(0, FeatureSchema.WindowStatisticsCount).Clear();
        }
        return net;
    }

    /// <summary>Trains one net; <paramref name="slot"/> of <paramref name="slots"/> places it in the progress and curves
    /// (teachers first).</summary>
    private EmotionNet TrainOne(Corpus corpus, IReadOnlyList<int> clips, NetConfig config, int seed, int slot, int slots,
        IReadOnlyList<EmotionNet> teachers, Action<double>? progress, Action<EpochReport, EmotionNet>? epochDone)
    {
        var source = new SessionExampleSource(corpus, clips, this, seed);
        source.BeginEpoch(0);
        var net = NewNet(config, seed, source.Standardisation());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        double? speakerAccuracy = null;
        var trainer = new Trainer(net, Train with { Seed = seed })
        {
            Progress = progress is null ? null : p => progress((slot + p) / slots),
            AdversaryDone = (_, _, accuracy) => speakerAccuracy = accuracy,
            EpochDone = (epoch, loss, fresh) => epochDone?.Invoke(
                new EpochReport(slot, epoch, source.Count, loss, fresh, null, source.FeatureSeconds, watch.Elapsed.TotalSeconds, speakerAccuracy), net),
            Teachers = teachers,
        };
        trainer.Train(source);
        if (BalancedOutput) net.ClassWeights = ClassBalance.Weights(DatasetLoader.TrainingLabels, source.LabelCounts);
        return net;
    }
}

using VoiceEmotion.Pipeline.Audio;
using VoiceEmotion.Pipeline.Datasets;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Pipeline.Inference;
using VoiceEmotion.Pipeline.Streaming;
using VoiceEmotion.Training.Nn;
using VoiceEmotion.Training.Onnx;

namespace VoiceEmotion.Training.Tests.Sessions;

/// <summary>Examples drawn the way sessions are heard, and evaluation through the live session code.</summary>
public sealed class SessionTrainingTests : IDisposable
{
    private readonly SyntheticCorpus _data = new();

    public void Dispose() => _data.Dispose();

    private static float[] Example(IExampleSource source, int i, out int label)
    {
        var frames = new float[FeatureSchema.DefaultWindowFrames * FeatureSchema.FrameFeatureCount];
        var stats = new float[FeatureSchema.WindowFeatureCount];
        label = source.Fill(i, frames, stats);
        return [.. frames, .. stats];
    }

    /// <summary>A window's bytes as a set key.</summary>
    private static string Key(float[] values) => Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>Sources of the plain recipe and two of the candidate, each at its first epoch, on the synthetic corpus.</summary>
    private (SessionExampleSource Plain, SessionExampleSource A, SessionExampleSource B) AtFirstEpoch(TrainingRecipe plainRecipe, TrainingRecipe recipe)
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var sources = (new SessionExampleSource(corpus, clips, plainRecipe, seed: 5), new SessionExampleSource(corpus, clips, recipe, seed: 5),
            new SessionExampleSource(corpus, clips, recipe, seed: 5));
        sources.Item1.BeginEpoch(0);
        sources.Item2.BeginEpoch(0);
        sources.Item3.BeginEpoch(0);
        return sources;
    }

    [Fact]
    public void ExamplesAreTheSameForASeedAndDrawnAfreshEachEpoch()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var recipe = new TrainingRecipe();
        var a = new SessionExampleSource(corpus, clips, recipe, seed: 5);
        var b = new SessionExampleSource(corpus, clips, recipe, seed: 5);
        a.BeginEpoch(0);
        b.BeginEpoch(0);
        Assert.Equal(a.Count, b.Count);
        Assert.True(a.Count > 50, $"{a.Count} examples");
        for (int i = 0; i < a.Count; i += 7) Assert.Equal(Example(a, i, out _), Example(b, i, out _));

        var first = Enumerable.Range(0, a.Count).Select(i => Example(a, i, out _)).ToList();
        a.BeginEpoch(1);
        int same = Enumerable.Range(0, Math.Min(a.Count, first.Count)).Count(i => Example(a, i, out _).SequenceEqual(first[i]));
        Assert.True(same < first.Count / 10, $"{same} of {first.Count} examples unchanged in a new epoch");
    }

    [Fact]
    public void AFormantWarpChangesOnlyTheSpectrumOfTheSameDraws()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var plain = new SessionExampleSource(corpus, clips, new TrainingRecipe(), seed: 5);
        var warped = new SessionExampleSource(corpus, clips, new TrainingRecipe { FormantWarp = 0.1 }, seed: 5);
        plain.BeginEpoch(0);
        warped.BeginEpoch(0);
        Assert.Equal(plain.Count, warped.Count);
        int F = FeatureSchema.FrameFeatureCount, moved = 0;
        for (int i = 0; i < plain.Count; i += 5)
        {
            var p = Example(plain, i, out int plainLabel);
            var w = Example(warped, i, out int warpedLabel);
            Assert.Equal(plainLabel, warpedLabel);
            // The same clips through the same lines: the signal's own pitch and loudness in every frame are unchanged,
            // its spectrum is heard through a moved vocal tract.
            for (int k = 0; k < FeatureSchema.DefaultWindowFrames; k++)
            {
                Assert.Equal(p[k * F + FeatureSchema.F0Hz], w[k * F + FeatureSchema.F0Hz]);
                Assert.Equal(p[k * F + FeatureSchema.LoudnessDb], w[k * F + FeatureSchema.LoudnessDb]);
            }
            if (!p.AsSpan(0, FeatureSchema.DefaultWindowFrames * F).SequenceEqual(w.AsSpan(0, FeatureSchema.DefaultWindowFrames * F))) moved++;
        }
        Assert.True(moved > 0, "no example's spectrum moved");
    }

    [Fact]
    public void ATempoChangesTheTimingOfSomeSessionsReproducibly()
    {
        var recipe = new TrainingRecipe { TempoRange = 0.3 };
        var (plain, a, b) = AtFirstEpoch(new TrainingRecipe { TempoRange = 0 }, recipe);
        // Faster or slower speech gives other numbers of updates: the same draws no longer line up one to one.
        Assert.NotEqual(plain.Count, a.Count);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i += 7) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        Assert.Contains("tempo", recipe.Describe());
        Assert.Equal(0.3, new TrainingRecipe().TempoRange); // shipped since stop 58
        Assert.DoesNotContain("tempo", new TrainingRecipe { TempoRange = 0 }.Describe());
    }

    [Fact]
    public void TheTempoShareSetsHowManySessionsMove()
    {
        var (plain, half, _) = AtFirstEpoch(new TrainingRecipe { TempoRange = 0 }, new TrainingRecipe { TempoShare = 0.5 });
        var (_, everyone, _) = AtFirstEpoch(new TrainingRecipe { TempoRange = 0 }, new TrainingRecipe());
        Assert.Equal(1, new TrainingRecipe().TempoShare); // every session since stop 62 (0.5 in stops 58–61)

        // Sessions the tempo leaves alone are the plain recipe's windows; with every session moved, none is.
        var plainWindows = Enumerable.Range(0, plain.Count).Select(i => Key(Example(plain, i, out _))).ToHashSet();
        int Kept(SessionExampleSource source) => Enumerable.Range(0, source.Count).Count(i => plainWindows.Contains(Key(Example(source, i, out _))));
        Assert.InRange(Kept(half), 1, half.Count - 1);
        Assert.Equal(0, Kept(everyone));
        Assert.Contains("1.3 in 100 % of the sessions", new TrainingRecipe { TempoShare = 1 }.Describe());
        Assert.Contains("in half the sessions", new TrainingRecipe { TempoShare = 0.5 }.Describe());
    }

    [Fact]
    public void PhoneLinesPutEverySessionOnATelephoneLineReproducibly()
    {
        var (general, a, b) = AtFirstEpoch(new TrainingRecipe(), new TrainingRecipe { PhoneLines = true });
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i += 3) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        Assert.False(new TrainingRecipe().PhoneLines);
        Assert.Contains("phone lines only", new TrainingRecipe { PhoneLines = true }.Describe());
        Assert.Contains("12 % clean", new TrainingRecipe().Describe());

        // The highest log-mel band (above 6 kHz) is empty on every phone line; the general recipe's clean and wideband
        // sessions fill it in some windows.
        int F = FeatureSchema.FrameFeatureCount, top = FeatureSchema.LogMelStart + FeatureSchema.LogMelCount - 1;
        float Highest(SessionExampleSource source) => Enumerable.Range(0, source.Count)
            .Max(i => { var x = Example(source, i, out _); return Enumerable.Range(0, FeatureSchema.DefaultWindowFrames).Max(k => x[k * F + top]); });
        float phone = Highest(a), wide = Highest(general);
        Assert.True(phone < wide - 5, $"highest band's loudest frame: {phone:0.0} on phone lines, {wide:0.0} in the general recipe");
    }

    [Fact]
    public void TheBabbleShareChangesTheLinesReproduciblyAndCannotBePairedWithTheShippedDraws()
    {
        var recipe = new TrainingRecipe { BabbleShare = 1 };
        var (shipped, a, b) = AtFirstEpoch(new TrainingRecipe(), recipe);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i += 3) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        var shippedWindows = Enumerable.Range(0, shipped.Count).Select(i => Key(Example(shipped, i, out _))).ToHashSet();
        int changed = Enumerable.Range(0, a.Count).Count(i => !shippedWindows.Contains(Key(Example(a, i, out _))));
        Assert.True(changed > 0, "talkers on every line changed no window");
        Assert.Equal(0.35, new TrainingRecipe().BabbleShare);
        Assert.Contains("background talkers on 100 % of the lines", recipe.Describe());
        Assert.DoesNotContain("background talkers", new TrainingRecipe().Describe());
        Assert.Contains(new TrainingRecipe().PairingProblems(recipe), p => p.Contains("--babble-share"));
    }

    /// <summary>Of <paramref name="moved"/>'s windows: how many are one of <paramref name="plain"/>'s (their session left
    /// alone), how many are not, and how many of those carry a pitch track no plain window has.</summary>
    private static (int Kept, int Moved, int NewTrack) PitchTrackChanges(SessionExampleSource plain, SessionExampleSource moved)
    {
        int F = FeatureSchema.FrameFeatureCount;
        string PitchTrack(float[] x) => Key([.. Enumerable.Range(0, FeatureSchema.DefaultWindowFrames).Select(k => x[k * F + FeatureSchema.F0Hz])]);
        var plainWindows = Enumerable.Range(0, plain.Count).Select(i => Example(plain, i, out _)).ToList();
        var windows = plainWindows.Select(Key).ToHashSet();
        var tracks = plainWindows.Select(PitchTrack).ToHashSet();
        int kept = 0, changed = 0, newTrack = 0;
        for (int i = 0; i < moved.Count; i++)
        {
            var x = Example(moved, i, out _);
            if (windows.Contains(Key(x))) { kept++; continue; }
            changed++;
            if (!tracks.Contains(PitchTrack(x))) newTrack++;
        }
        return (kept, changed, newTrack);
    }

    [Fact]
    public void APitchShiftMovesSomeSessionsVoicesReproduciblyAndLeavesTheOthersAsTheyWere()
    {
        var recipe = new TrainingRecipe { PitchRange = 4 };
        var (plain, a, b) = AtFirstEpoch(new TrainingRecipe(), recipe);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        // The same lines drawn: windows of untouched sessions are the plain recipe's; the moved ones' pitch tracks are not.
        var (kept, moved, newTrack) = PitchTrackChanges(plain, a);
        Assert.True(kept > 0, "no session kept its pitch");
        Assert.True(moved > 0, "no session's pitch moved");
        Assert.True(newTrack > moved / 2, $"{newTrack} of {moved} moved windows have a pitch track the plain recipe has not");
        Assert.Contains("pitch ±4 st", recipe.Describe());
        Assert.DoesNotContain("pitch ±", new TrainingRecipe().Describe());
    }

    [Fact]
    public void LoudnessDynamicsMoveSomeSessionsReproduciblyAndLeaveTheOthersAndTheFingerprintAsTheyWere()
    {
        var recipe = new TrainingRecipe { DynamicsRange = 0.5 };
        var (plain, a, b) = AtFirstEpoch(new TrainingRecipe(), recipe);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        // The same lines drawn: windows of untouched sessions are the plain recipe's, the rescaled ones' are not.
        var plainWindows = Enumerable.Range(0, plain.Count).Select(i => Key(Example(plain, i, out _))).ToHashSet();
        int kept = Enumerable.Range(0, a.Count).Count(i => plainWindows.Contains(Key(Example(a, i, out _))));
        Assert.InRange(kept, 1, a.Count - 1);
        Assert.Contains("loudness contour ×0.67…1.5 in half the sessions", recipe.Describe());
        Assert.DoesNotContain("loudness contour", new TrainingRecipe().Describe());
        Assert.Contains(new TrainingRecipe().PairingProblems(recipe), p => p.Contains("--dynamics"));
        // Off, the setting is not in the recipe's JSON, so folds saved before it existed keep their fingerprint.
        Assert.DoesNotContain("DynamicsRange", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe()));
        Assert.Contains("DynamicsRange", System.Text.Json.JsonSerializer.Serialize(recipe));
    }

    [Fact]
    public void AnIntonationRangeMovesSomeSessionsPitchReproduciblyAndLeavesTheOthersAndTheFingerprintAsTheyWere()
    {
        var recipe = new TrainingRecipe { PitchRangeScale = 0.5 };
        var (plain, a, b) = AtFirstEpoch(new TrainingRecipe(), recipe);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        var (kept, moved, newTrack) = PitchTrackChanges(plain, a);
        Assert.True(kept > 0, "no session kept its intonation");
        Assert.True(moved > 0, "no session's intonation moved");
        Assert.True(newTrack > moved / 2, $"{newTrack} of {moved} moved windows have a pitch track the plain recipe has not");
        Assert.Contains("intonation range ×0.67…1.5 in half the sessions", recipe.Describe());
        Assert.DoesNotContain("intonation range", new TrainingRecipe().Describe());
        Assert.Contains(new TrainingRecipe().PairingProblems(recipe), p => p.Contains("--pitch-range"));
        Assert.DoesNotContain("PitchRangeScale", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe()));
    }

    [Fact]
    public void ReorderedSpeechChangesSomeSessionsReproduciblyAndLeavesTheOthersAsTheyWere()
    {
        var recipe = new TrainingRecipe { ShuffleShare = 0.5 };
        var (plain, a, b) = AtFirstEpoch(new TrainingRecipe(), recipe);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(Example(a, i, out _), Example(b, i, out _));
        // The same lines drawn: windows of untouched sessions are the plain recipe's, the reordered ones' are not.
        var plainWindows = Enumerable.Range(0, plain.Count).Select(i => Key(Example(plain, i, out _))).ToHashSet();
        int kept = 0, moved = 0;
        for (int i = 0; i < a.Count; i++)
            if (plainWindows.Contains(Key(Example(a, i, out _)))) kept++; else moved++;
        Assert.True(kept > 0, "no session kept its order");
        Assert.True(moved > 0, "no session was reordered");
        Assert.Contains("reordered", recipe.Describe());
    }

    [Fact]
    public void CleanViewsLeaveTheDrawsAsTheyAreAndHoldTheSameSessionsWindowsHeardClean()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        // Without the tempo (shipped since stop 58): a time-moved session has no clean view, and the share of views is
        // what this reads. With it, fewer examples have one (below).
        var recipe = new TrainingRecipe { TempoRange = 0 };
        var plain = new SessionExampleSource(corpus, clips, recipe, seed: 5);
        var viewed = new SessionExampleSource(corpus, clips, recipe, seed: 5, cleanViews: true);
        plain.BeginEpoch(0);
        viewed.BeginEpoch(0);
        Assert.Equal(plain.Count, viewed.Count);

        // Every clean speech window there is, by its frames.
        int size = FeatureSchema.DefaultWindowFrames * FeatureSchema.FrameFeatureCount;
        var cleanWindows = new HashSet<string>();
        foreach (var clip in corpus.Features(clips))
            for (int u = 0; u < clip.Updates; u++)
            {
                if (!clip.IsSpeech(u)) continue;
                var window = new float[size];
                clip.CopyWindow(u, corpus.Options.UpdateFrames, window);
                cleanWindows.Add(Key(window));
            }

        var frames = new float[size];
        var stats = new float[FeatureSchema.WindowFeatureCount];
        int withView = 0, without = 0, differ = 0;
        for (int i = 0; i < viewed.Count; i++)
        {
            Assert.Equal(Example(plain, i, out int plainLabel), Example(viewed, i, out int viewedLabel));
            Assert.Equal(plainLabel, viewedLabel);
            Assert.False(plain.FillClean(i, frames, stats), "a source without clean views gave one");
            if (!viewed.FillClean(i, frames, stats)) { without++; continue; }
            withView++;
            Assert.Contains(Key(frames), cleanWindows);
            Assert.True(stats[^1] is >= 0 and < 1, $"session weight {stats[^1]}");
            if (!frames.AsSpan().SequenceEqual(Example(viewed, i, out _).AsSpan(0, size))) differ++;
        }
        // Clean, sped-up and slowed-down sessions have none; the others' views are the clean line, not the drawn one.
        Assert.True(withView > viewed.Count / 4, $"{withView} of {viewed.Count} examples have a clean view");
        Assert.True(without > 0, "every example had a clean view, clean sessions included");
        Assert.Equal(withView, differ);

        var moved = new SessionExampleSource(corpus, clips, new TrainingRecipe { TempoShare = 0.5 }, seed: 5, cleanViews: true);
        moved.BeginEpoch(0);
        int movedViews = Enumerable.Range(0, moved.Count).Count(i => moved.FillClean(i, frames, stats));
        Assert.InRange(movedViews, 1, withView - 1);
        // With every session moved (the shipped recipe since stop 62) no example has a clean view.
        var all = new SessionExampleSource(corpus, clips, new TrainingRecipe(), seed: 5, cleanViews: true);
        all.BeginEpoch(0);
        Assert.Equal(0, Enumerable.Range(0, all.Count).Count(i => all.FillClean(i, frames, stats)));
    }

    [Fact]
    public void CleanConsistencyTrainsOtherWeightsAndLeavesTheRecipesFingerprintAsItWasWhenOff()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        // Half the sessions at their own tempo: a time-moved session has no clean view to be consistent with.
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 2, Seed = 3 }, ClipsPerSpeaker = 8, StatsMembers = 0, SessionMembers = 0, TempoShare = 0.5 };
        var plain = recipe.Fit(corpus, clips)[0];
        var again = recipe.Fit(corpus, clips)[0];
        var taught = (recipe with { Train = recipe.Train with { CleanConsistency = 0.5f } }).Fit(corpus, clips)[0];
        Assert.Equal(plain.Parameters.Values, again.Parameters.Values);
        Assert.NotEqual(plain.Parameters.Values, taught.Parameters.Values);
        Assert.All(taught.Parameters.Values, v => Assert.True(float.IsFinite(v)));

        // Saved cross-validation folds of recipes from before the option stay valid: at 0 it is not in the fingerprint.
        string[] conditions = ["clean"];
        var off = FoldCheckpoints.Fingerprint(corpus, new TrainingRecipe(), 5, conditions);
        var on = FoldCheckpoints.Fingerprint(corpus, new TrainingRecipe { Train = new TrainOptions { CleanConsistency = 0.5f } }, 5, conditions);
        Assert.NotEqual(off, on);
        Assert.DoesNotContain("CleanConsistency", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe()));
        Assert.Contains("clean-view consistency 0.5", new TrainingRecipe { Train = new TrainOptions { CleanConsistency = 0.5f } }.Describe());
        Assert.DoesNotContain("consistency", new TrainingRecipe().Describe());
    }

    [Fact]
    public void WiderMasksTrainOtherWeightsAndTheShippedOnesLeaveWeightsAndFingerprintAsTheyWere()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 2, Seed = 3 }, ClipsPerSpeaker = 8, StatsMembers = 0, SessionMembers = 0 };
        var plain = recipe.Fit(corpus, clips)[0];
        var shipped = (recipe with { Train = recipe.Train with { Masks = EmotionNet.ShippedMasks } }).Fit(corpus, clips)[0];
        var wider = (recipe with { Train = recipe.Train with { Masks = new MaskWidths(40, 16) } }).Fit(corpus, clips)[0];
        Assert.Equal(plain.Parameters.Values, shipped.Parameters.Values);
        Assert.NotEqual(plain.Parameters.Values, wider.Parameters.Values);
        Assert.All(wider.Parameters.Values, v => Assert.True(float.IsFinite(v)));

        // Saved cross-validation folds of recipes from before the option stay valid: unset, it is not in the fingerprint.
        string[] conditions = ["clean"];
        var widerRecipe = new TrainingRecipe { Train = new TrainOptions { Masks = new MaskWidths(40, 16) } };
        Assert.NotEqual(FoldCheckpoints.Fingerprint(corpus, new TrainingRecipe(), 5, conditions), FoldCheckpoints.Fingerprint(corpus, widerRecipe, 5, conditions));
        Assert.DoesNotContain("Masks", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe()));
        Assert.Contains("masks ≤ 40 frames / 16 features", widerRecipe.Describe());
        Assert.DoesNotContain("masks", new TrainingRecipe().Describe());
    }

    [Fact]
    public void ClassWeightsGiveEveryProductClassTheSameWeightOfTrainingWindows()
    {
        // A RAVDESS actor's clips: neutral 4, calm 8, every other emotion 8. Calm and neutral are one product class of 12.
        long[] counts = [4, 8, 8, 8, 8, 8, 8, 8];
        var w = ClassBalance.Weights(DatasetLoader.TrainingLabels, counts);
        Assert.Equal(60.0 / (7 * 12), w[0], 5);
        Assert.Equal(w[0], w[1]);
        Assert.All(w[2..], x => Assert.Equal(60.0 / (7 * 8), x, 5));
        // Weighted, every product class holds the same share of the windows.
        var product = new double[EmotionLabels.Count];
        for (int k = 0; k < counts.Length; k++) product[EmotionLabels.IndexOf(DatasetLoader.TrainingLabels[k])] += counts[k] * w[k];
        Assert.All(product, x => Assert.Equal(60.0 / 7, x, 4));

        // A window the summed output would call neutral (0.2 + 0.2 against sad's 0.35) is sad once weighted, and still sums to 1.
        float[] row = [0.2f, 0.2f, 0.05f, 0.35f, 0.05f, 0.05f, 0.05f, 0.05f];
        ClassBalance.Apply(w, row, 1);
        Assert.Equal(1f, row.Sum(), 5);
        Assert.True(row[3] > row[0] + row[1], $"sad {row[3]} against neutral {row[0] + row[1]}");
        // A class with no training window keeps weight 1 (nothing to correct by).
        Assert.All(ClassBalance.Weights(DatasetLoader.TrainingLabels, new long[8]), x => Assert.Equal(1f, x));
    }

    [Fact]
    public void TheIsolatedTemperatureSharpensSpeechWithoutABaselineAndLeavesAnAdaptedSessionsOutputAsItWas()
    {
        float[] rows = [0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.2f, 0.5f, 0.3f, 0.2f];
        float[] shares = [0f, 0.5f, 1f];
        for (int b = 0; b < shares.Length; b++) SessionTemperature.Apply(0.7f, shares[b], rows.AsSpan(b * 3, 3));
        // No share: p^(1/0.7) renormalised — the top class gains, the order stays.
        double z = Math.Pow(0.5, 1 / 0.7) + Math.Pow(0.3, 1 / 0.7) + Math.Pow(0.2, 1 / 0.7);
        Assert.Equal(Math.Pow(0.5, 1 / 0.7) / z, rows[0], 5);
        Assert.True(rows[0] > 0.5f && rows[1] > rows[2] && rows[2] < 0.2f);
        // Half the share: t = 0.85, between the two.
        Assert.InRange(rows[3], 0.5f, rows[0]);
        Assert.Equal(1f, rows[3] + rows[4] + rows[5], 5);
        // The session members hold the vote: t = 1, the row as it was.
        Assert.Equal([0.5f, 0.3f, 0.2f], rows[6..]);
        // The share follows EnsembleWeights: none without session members, gate · w² clipped to 1 with them.
        Assert.Equal(0f, EnsembleWeights.Share(0, 0.9f));
        Assert.Equal(0.81f, EnsembleWeights.Share(1, 0.9f), 5);
        Assert.Equal(1f, EnsembleWeights.Share(2, 0.9f));

        // Saved cross-validation folds of recipes without it stay valid: unset, it is not in the fingerprint.
        Assert.DoesNotContain("IsolatedTemperature", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe { IsolatedTemperature = null }));
        Assert.Contains("IsolatedTemperature", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe()));
        Assert.DoesNotContain("session baseline", new TrainingRecipe { IsolatedTemperature = null }.Describe());
    }

    [Fact]
    public void TheCnnsSettledShareMovesTheRestOfTheVoteTowardTheStatisticsNetsAsTheBaselineFills()
    {
        NetConfig cnn = new(), stats = new() { UseFrames = false }, session = new() { UseFrames = false, SessionGate = 0.5f };
        NetConfig[] members = [cnn, stats, session];
        var weights = new float[3];
        // No baseline: an equal split of everything, the session member without a vote.
        EnsembleWeights.Fill(members, 0.5f, 0f, weights, 0.35f);
        Assert.Equal([0.5f, 0.5f, 0f], weights);
        // A full baseline: the session member holds the gate's half; the CNN 0.35 of the rest, the statistics net 0.65.
        EnsembleWeights.Fill(members, 0.5f, 1f, weights, 0.35f);
        Assert.Equal(0.5f * 0.35f, weights[0], 6);
        Assert.Equal(0.5f * 0.65f, weights[1], 6);
        Assert.Equal(0.5f, weights[2], 6);
        // Half way (w² = 0.49): the part follows w², and the weights still sum to 1.
        EnsembleWeights.Fill(members, 0.5f, 0.7f, weights, 0.35f);
        float share = EnsembleWeights.Share(0.5f, 0.7f), part = EnsembleWeights.CnnPart(0.35f, 0.7f);
        Assert.Equal(0.5f - 0.15f * 0.49f, part, 6);
        Assert.Equal((1 - share) * part, weights[0], 6);
        Assert.Equal(1f, weights.Sum(), 5);
        // Without it, or without a statistics net to hand the vote to, the members that are not session members weigh alike.
        EnsembleWeights.Fill(members, 0.5f, 1f, weights);
        Assert.Equal(weights[0], weights[1]);
        NetConfig[] noStats = [cnn, cnn with { }, session];
        EnsembleWeights.Fill(noStats, 0.5f, 1f, weights, 0.35f);
        Assert.Equal([0.25f, 0.25f, 0.5f], weights);
        // Unset, it is not in the fingerprint (saved folds of recipes without it stay valid), and a recipe that differs only
        // in it reads the same nets (cv scores it on the baseline's nets, without training).
        Assert.DoesNotContain("SettledCnnShare", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe { SettledCnnShare = null }));
        Assert.Contains("SettledCnnShare", System.Text.Json.JsonSerializer.Serialize(new TrainingRecipe()));
        Assert.True(new TrainingRecipe().ReadsSameNets(new TrainingRecipe { SettledCnnShare = null }));
        Assert.Contains("CNN part 0.35", new TrainingRecipe().Describe());
    }

    [Fact]
    public void ABalancedRecipeSetsTheClassWeightsItsTrainingWindowsGiveAndExportsThem()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 2, Seed = 4 }, ClipsPerSpeaker = 8, BalancedOutput = true, IsolatedTemperature = 0.7f };
        var members = recipe.Fit(corpus, clips);
        var weights = members[0].ClassWeights;
        Assert.NotNull(weights);
        Assert.All(members, m => Assert.Same(weights, m.ClassWeights));
        Assert.All(members, m => Assert.Equal(0.7f, m.IsolatedTemperature));
        Assert.All(members, m => Assert.Equal(0.35f, m.SettledCnnShare));
        Assert.Contains("× 0.7 without a session baseline", recipe.Describe());
        // The same draws counted by hand: two epochs of the first member's source.
        var source = new SessionExampleSource(corpus, clips, recipe, Seeds.Mix(recipe.Train.Seed, 0, 99));
        var counts = new long[DatasetLoader.TrainingLabels.Count];
        for (int epoch = 0; epoch < 2; epoch++)
        {
            source.BeginEpoch(epoch);
            for (int i = 0; i < source.Count; i++)
            {
                Example(source, i, out int label);
                counts[label]++;
            }
        }
        Assert.Equal(ClassBalance.Weights(DatasetLoader.TrainingLabels, counts), weights);
        Assert.Contains("output balanced by class", recipe.Describe());
        Assert.Null(new TrainingRecipe { Train = new TrainOptions { Epochs = 1 }, ClipsPerSpeaker = 4, BalancedOutput = false }.Fit(corpus, clips)[0].ClassWeights);
    }

    [Fact]
    public void SessionsStartWithoutABaselineAndBuildOneFromTheSpeakersEarlierSpeech()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var weights = new List<float>();
        var source = new SessionExampleSource(corpus, clips, new TrainingRecipe { Augment = false }, seed: 1);
        source.BeginEpoch(0);
        for (int i = 0; i < source.Count; i++) weights.Add(Example(source, i, out _)[^1]);
        Assert.Contains(0f, weights);
        Assert.Contains(weights, w => w > 0.5f); // some sessions run past ten speech updates
        Assert.True(weights.Count(w => w == 0) >= 3, "every session (at least one per speaker) starts without a baseline");

        // Without session adaptation every clip starts afresh: no weight exceeds what one clip alone can build.
        var alone = new SessionExampleSource(corpus, clips, new TrainingRecipe { Augment = false, SessionAdaptation = false }, seed: 1);
        alone.BeginEpoch(0);
        int maxUpdates = corpus.Features(clips).Max(c => c.Updates);
        float maxAlone = maxUpdates / (float)(maxUpdates + SpeakerBaseline.PriorUpdates);
        Assert.All(Enumerable.Range(0, alone.Count), i => Assert.True(Example(alone, i, out _)[^1] <= maxAlone + 1e-6f));
    }

    [Fact]
    public void TheEvaluationsLiveScoringGivesExactlyTheServicesUpdates()
    {
        // A model of the current schema (two epochs on synthetic clips), exported and loaded as the service loads it.
        var corpus = new Corpus([_data.Directory]);
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 2, Seed = 2 }, ClipsPerSpeaker = 8 };
        var members = recipe.Fit(corpus, Enumerable.Range(0, corpus.Clips.Count).ToList());
        using var model = EmotionModel.Load(OnnxExporter.Export(members, ExportMetadata.Create(DatasetLoader.TrainingLabels, recipe.Net, "test")));
        var audio = SyntheticVoice.Generate(16000, 12, seed: 77);

        var (service, _) = ClipAnalyzer.Analyze(new AudioClip(audio, 16000), model);
        var scorer = new Scorer(new OnnxRawClassifier(model));
        var evaluation = scorer.Live(audio);

        Assert.Equal(service.Count, evaluation.Count);
        Assert.True(service.Count(u => u.Speech) >= 10);
        for (int i = 0; i < service.Count; i++)
        {
            Assert.Equal(service[i].AudioTime, evaluation[i].Time, 9);
            Assert.Equal(service[i].Speech, evaluation[i].Raw is not null);
            if (evaluation[i].Raw is { } raw) Assert.Equal(service[i].Probabilities, scorer.Labels.ToProduct(raw));
        }
    }

    [Fact]
    public void TheSessionMemberHearsOnlyTheWindowRelativeToTheBaselineAndVotesByItsWeight()
    {
        var corpus = new Corpus([_data.Directory]);
        // The members' vote alone (the class weights of a balanced output and the session-following temperature come
        // after it and are tested on their own).
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 1, Seed = 4 }, ClipsPerSpeaker = 6, BalancedOutput = false, IsolatedTemperature = null };
        Assert.Single(recipe.MemberConfigs(), c => c.IsSessionMember);
        Assert.DoesNotContain(new TrainingRecipe { SessionAdaptation = false }.MemberConfigs(), c => c.IsSessionMember);
        Assert.DoesNotContain(new TrainingRecipe { SessionGate = 0 }.MemberConfigs(), c => c.IsSessionMember);
        var members = recipe.Fit(corpus, Enumerable.Range(0, corpus.Clips.Count).ToList());
        var session = members.Single(m => m.Config.IsSessionMember);

        // Changing every absolute statistic moves the session member not at all, and the statistics-only member a lot.
        int w = FeatureSchema.WindowStatisticsCount;
        var random = new Random(8);
        var stats = Enumerable.Range(0, FeatureSchema.WindowFeatureCount).Select(_ => (float)random.NextDouble()).ToArray();
        var moved = (float[])stats.Clone();
        for (int i = 0; i < w; i++) moved[i] += 5 * (float)(random.NextDouble() - 0.5);
        // Compared at the hidden layer as well as the output: these inputs are far outside what a one-epoch net was
        // trained on, and its softmax can saturate to the same one-hot output for both.
        (float[] Probabilities, float[] Hidden) Forward(EmotionNet net, float[] input)
        {
            var workspace = net.CreateWorkspace();
            net.Forward(workspace, default, input);
            return ([.. workspace.Probabilities], [.. workspace.Hidden]);
        }
        Assert.Equal(Forward(session, stats).Probabilities, Forward(session, moved).Probabilities);
        Assert.Equal(Forward(session, stats).Hidden, Forward(session, moved).Hidden);
        var plain = members.Single(m => !m.Config.UseFrames && !m.Config.IsSessionMember);
        Assert.NotEqual(Forward(plain, stats).Hidden, Forward(plain, moved).Hidden);

        // Before any speech (weight 0) the ensemble is the other members' average; at weight w the session member has
        // g · w² of the vote (g the recipe's gate: 0.5 since stop 50), and the CNN 0.5 + (s − 0.5) · w² of the rest
        // (s the recipe's settled CNN share: 0.35 since stop 52), the statistics-only member the remainder.
        double g = recipe.SessionGate, settled = recipe.SettledCnnShare!.Value;
        Assert.Equal(0.5, g);
        Assert.Equal(0.35, settled, 6);
        var frames = new float[FeatureSchema.DefaultWindowFrames * FeatureSchema.FrameFeatureCount];
        var ensemble = new NetClassifier(members, DatasetLoader.TrainingLabels);
        var output = new float[DatasetLoader.TrainingLabels.Count];
        foreach (float weight in new[] { 0f, 0.7f })
        {
            stats[^1] = weight;
            ensemble.PredictRaw(frames, stats, 1, output);
            var expected = new double[output.Length];
            foreach (var m in members)
            {
                var workspace = m.CreateWorkspace();
                m.Forward(workspace, m.Config.UseFrames ? frames : default, stats);
                double cnn = 0.5 + (settled - 0.5) * weight * weight;
                double share = m.Config.IsSessionMember ? g * weight * weight : (1 - g * weight * weight) * (m.Config.UseFrames ? cnn : 1 - cnn);
                for (int k = 0; k < output.Length; k++) expected[k] += share * workspace.Probabilities[k];
            }
            for (int k = 0; k < output.Length; k++) Assert.Equal(expected[k], output[k], 5);
        }
    }

    [Fact]
    public void TeachersChangeOnlyTheCnnMembersAndAreNotExported()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var plain = new TrainingRecipe { Train = new TrainOptions { Epochs = 1, Seed = 4 }, ClipsPerSpeaker = 6 };
        var reports = new List<EpochReport>();
        var teachers = new List<EmotionNet>();
        var taught = (plain with { Teachers = 1, TeacherChannels = (24, 32, 16) }).Fit(corpus, clips, epochDone: (r, net) =>
        {
            reports.Add(r);
            if (r.Member == 0) teachers.Add(net);
        });
        // The teacher has its own widths (a wider teacher may teach a narrower member).
        Assert.Equal(new TrainingRecipe().Net with { Channels1 = 24, Channels2 = 32, Channels3 = 16 }, Assert.Single(teachers).Config);
        var members = plain.Fit(corpus, clips);

        Assert.Equal(members.Select(m => m.Config), taught.Select(m => m.Config));
        for (int i = 0; i < members.Count; i++)
        {
            // The statistics and session members do not hear the teacher: same seeds, same draws, same weights.
            if (members[i].Config.UseFrames) Assert.NotEqual(members[i].Parameters.Values, taught[i].Parameters.Values);
            else Assert.Equal(members[i].Parameters.Values, taught[i].Parameters.Values);
        }
        // The teacher trains first and shows in the curves as the first of four nets.
        Assert.Equal([0, 1, 2, 3], reports.Select(r => r.Member));
        Assert.Contains("1 CNN teacher (share 0.5", (plain with { Teachers = 1 }).Describe());
        Assert.Contains("2 CNN teachers conv 64/96/96 (share 0.5", (plain with { Teachers = 2, TeacherChannels = (64, 96, 96) }).Describe());
    }

    [Fact]
    public void SharedDrawsLeaveTheFirstMemberAsItWasAndStepTheOthersThroughItsExamples()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var plain = new TrainingRecipe { Train = new TrainOptions { Epochs = 2, Seed = 4 }, ClipsPerSpeaker = 6, SharedDraws = false };
        var shared = plain with { SharedDraws = true };
        Assert.True(new TrainingRecipe().SharedDraws, "shared draws are the shipped recipe");
        var reports = new List<EpochReport>();
        var progress = new List<double>();
        var members = shared.Fit(corpus, clips, p => { lock (progress) progress.Add(p); }, (r, _) => reports.Add(r));
        var own = plain.Fit(corpus, clips);

        Assert.Equal(3, members.Count);
        // The first member's draw is the one shared: it trains exactly as without sharing; the others hear its examples.
        Assert.Equal(own[0].Parameters.Values, members[0].Parameters.Values);
        for (int i = 1; i < members.Count; i++) Assert.NotEqual(own[i].Parameters.Values, members[i].Parameters.Values);
        // Side by side, epoch by epoch; every member sees the same number of examples in an epoch; the draw is counted once.
        Assert.Equal([0, 1, 2, 0, 1, 2], reports.Select(r => r.Member));
        Assert.Equal([0, 0, 0, 1, 1, 1], reports.Select(r => r.Epoch));
        foreach (var epoch in reports.GroupBy(r => r.Epoch)) Assert.Single(epoch.Select(r => r.Examples).Distinct());
        Assert.True(reports[0].FeatureSeconds > 0);
        Assert.All(reports.Where(r => r.Member > 0), r => Assert.Equal(0, r.FeatureSeconds));
        // One progress figure for the whole ensemble, never going back, ending at the end.
        Assert.True(progress.Zip(progress.Skip(1)).All(p => p.Second >= p.First), "progress went back");
        Assert.Equal(1.0, progress[^1], 9);
        // Deterministic for a seed, like every recipe.
        var again = shared.Fit(corpus, clips);
        for (int i = 0; i < members.Count; i++) Assert.Equal(members[i].Parameters.Values, again[i].Parameters.Values);
        Assert.Contains("members share each epoch's draw", shared.Describe());
        Assert.DoesNotContain("share each epoch's draw", plain.Describe());
    }

    [Fact]
    public void SessionScoringAssignsEveryClipTheUpdatesThatFallWhileItPlays()
    {
        var corpus = new Corpus([_data.Directory]);
        var clips = Enumerable.Range(0, corpus.Clips.Count).ToList();
        var recipe = new TrainingRecipe { Train = new TrainOptions { Epochs = 1, Seed = 2 }, ClipsPerSpeaker = 8 };
        var scorer = new Scorer(new NetClassifier(recipe.Fit(corpus, clips), DatasetLoader.TrainingLabels));
        var scores = VoiceEmotion.Training.Evaluation.Score(corpus, clips, scorer, ScoreMode.Sessions, "clean", seed: 3);
        Assert.Equal(clips.Count, scores.Predicted.Length);
        Assert.Equal(clips.Select(c => corpus.Clips[c].Label).Order(), scores.Truth.Order());
        // 2.5 s clips give 4-5 updates each; most of them hold speech.
        Assert.InRange(scores.Windows.Count, 2 * clips.Count, 6 * clips.Count);
        var again = VoiceEmotion.Training.Evaluation.Score(corpus, clips, scorer, ScoreMode.Sessions, "clean", seed: 3);
        Assert.Equal(scores.Predicted, again.Predicted);

        // Steady sessions hold the same clips, one emotion at a time: within a speaker's session the emotion changes
        // only between runs (once per emotion the speaker has, less one), where the random order changes it far more.
        var steady = VoiceEmotion.Training.Evaluation.Score(corpus, clips, scorer, ScoreMode.SteadySessions, "clean", seed: 3);
        Assert.Equal(scores.Clips.Order(), steady.Clips.Order());
        int Changes(ClipScores s, string speaker)
        {
            var labels = s.Clips.Where(c => corpus.Clips[c].Speaker == speaker).Select(c => corpus.Clips[c].Label).ToList();
            return labels.Zip(labels.Skip(1)).Count(p => p.First != p.Second);
        }
        foreach (var speaker in corpus.Speakers)
        {
            int emotions = clips.Where(c => corpus.Clips[c].Speaker == speaker).Select(c => corpus.Clips[c].Label).Distinct().Count();
            Assert.Equal(emotions - 1, Changes(steady, speaker));
        }
        Assert.True(corpus.Speakers.Sum(sp => Changes(scores, sp)) > corpus.Speakers.Sum(sp => Changes(steady, sp)), "the random order should change emotion more often");
        Assert.Equal(steady.Clips, VoiceEmotion.Training.Evaluation.Score(corpus, clips, scorer, ScoreMode.SteadySessions, "clean", seed: 3).Clips);

        // Episode sessions: every other clip heard once, every neutral clip once per call; calls begin and end in neutral
        // background, and the other emotions come in episodes of one emotion, at most EpisodeClips long.
        var episodes = VoiceEmotion.Training.Evaluation.Score(corpus, clips, scorer, ScoreMode.EpisodeSessions, "clean", seed: 3);
        Assert.Equal(episodes.Clips, VoiceEmotion.Training.Evaluation.Score(corpus, clips, scorer, ScoreMode.EpisodeSessions, "clean", seed: 3).Clips);
        foreach (var speaker in corpus.Speakers)
        {
            var own = clips.Where(c => corpus.Clips[c].Speaker == speaker).ToList();
            int neutral = own.Count(c => corpus.Clips[c].Label == EmotionLabels.Neutral), others = own.Count - neutral;
            int calls = Math.Max(1, (int)Math.Round(others / (double)neutral));
            Assert.True(neutral > 0 && others > 0, "the synthetic corpus has both");
            var heard = episodes.Clips.Where(c => corpus.Clips[c].Speaker == speaker).ToList();
            Assert.All(own, c => Assert.Equal(corpus.Clips[c].Label == EmotionLabels.Neutral ? calls : 1, heard.Count(h => h == c)));
        }
        // The calls, as EpisodeCalls makes them (Scorer.Sessions concatenates them in order): neutral at both ends,
        // episodes of one emotion, a neutral stretch between any two.
        var random = new Random(5);
        var labels = new[] { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6 };
        var made = Scorer.EpisodeCalls([.. Enumerable.Range(0, labels.Length)], i => labels[i], random);
        Assert.Equal(6, made.Count); // 22 other clips over 4 neutral ones: 5.5, rounded to even
        Assert.Equal(Enumerable.Range(4, 22), made.SelectMany(c => c.Where(i => labels[i] != 0)).Order());
        foreach (var call in made)
        {
            Assert.Equal(4, call.Count(i => labels[i] == 0));
            var runs = new List<(int Label, int Length)>();
            foreach (int i in call)
                if (runs.Count > 0 && (labels[i] == 0) == (runs[^1].Label == 0) && (labels[i] == 0 || labels[i] == runs[^1].Label)) runs[^1] = (runs[^1].Label, runs[^1].Length + 1);
                else runs.Add((labels[i], 1));
            Assert.All(runs.Where(r => r.Label != 0), r => Assert.InRange(r.Length, 1, Scorer.EpisodeClips));
        }
        // 14 sad clips over 12 neutral ones: one call, the sad clips in two episodes (10 and 4) with neutral stretches of 4
        // before, between and after them.
        var one = Scorer.EpisodeCalls([.. Enumerable.Range(0, 26)], i => i < 12 ? 0 : 2, new Random(5)).Single();
        var stretches = Runs(one, i => i < 12);
        Assert.True(one[0] < 12, "a call begins in its neutral background");
        Assert.Equal(5, stretches.Count);
        Assert.Equal([4, 4, 4], new[] { stretches[0], stretches[2], stretches[4] });
        Assert.Equal([4, 10], new[] { stretches[1], stretches[3] }.Order());
        // Nothing to make episodes of, or no neutral background: one call in the order given.
        Assert.Equal([2, 0, 1], Scorer.EpisodeCalls([2, 0, 1], _ => 3, new Random(1)).Single());
        Assert.Equal([2, 0, 1], Scorer.EpisodeCalls([2, 0, 1], _ => EmotionLabels.Neutral, new Random(1)).Single());

        // Lengths of the runs of neutral and of other clips, in order.
        static List<int> Runs(int[] call, Func<int, bool> isNeutral)
        {
            var runs = new List<int>();
            for (int k = 0; k < call.Length; k++)
                if (k > 0 && isNeutral(call[k]) == isNeutral(call[k - 1])) runs[^1]++;
                else runs.Add(1);
            return runs;
        }
    }

    [Fact]
    public void AnEvaluationKeyNamesItsModeAndItsLine()
    {
        Assert.Equal((ScoreMode.Streaming, "clean"), CrossValidation.ModeOf("streaming"));
        Assert.Equal((ScoreMode.Clip, "gsm"), CrossValidation.ModeOf("clip/gsm"));
        Assert.Equal((ScoreMode.SteadySessions, "clean"), CrossValidation.ModeOf(CrossValidation.SteadySessions));
        Assert.Equal((ScoreMode.EpisodeSessions, "phone-mix"), CrossValidation.ModeOf(CrossValidation.EpisodeSessionsOnPhone));
        Assert.Throws<ArgumentException>(() => CrossValidation.ModeOf("calls/gsm"));
    }

    [Fact]
    public void CrossValidationAndTransferWriteTheirReportsOnAnyCorpus()
    {
        var report = Path.Combine(_data.Directory, "report");
        string json = Path.Combine(report, "cv.json");
        Assert.Equal(0, TrainingCli.Run(["cv", "--data", _data.Directory, "--report", report, "--folds", "3", "--epochs", "1", "--passes", "1",
            "--conditions", "gsm,babble10", "--json", json, "--windows", Path.Combine(report, "oof", "windows.csv")]));
        var md = File.ReadAllText(Path.Combine(report, "cross-validation.md"));
        foreach (var key in new[] { "| clip |", "| streaming |", "| sessions |", "| steady-sessions |", "| episode-sessions |", "| episode-sessions/phone-mix |", "| clip/gsm |", "| clip/babble10 |", "ECE", "Temperature factor" })
            Assert.Contains(key, md);
        // Streaming's updates one by one, by how much of the utterance each heard, and the bucket rows' shares add up.
        Assert.Contains("## Live updates one by one (streaming)", md);
        var shares = md.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| \d\.\d–\d\.\d s \|"))
            .Select(l => double.Parse(l.Split('|')[2].Trim().TrimEnd('%').Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(shares);
        Assert.InRange(shares.Sum(), 99.5, 100.5);
        Assert.Contains("| every speech update | 100 % |", md);
        // One epoch of each of the three members: three curve rows, each named by member and epoch (they were once
        // numbered as epochs 1-3 of one net).
        Assert.Contains("| member | epoch | loss (mean over folds) |", md);
        foreach (var member in new[] { 1, 2, 3 })
            Assert.Contains(md.Split('\n'), l => l.StartsWith($"| {member} | 1 | ", StringComparison.Ordinal));
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        Assert.InRange(doc.RootElement.GetProperty("sessions").GetProperty("mean").GetDouble(), 0, 1);
        Assert.InRange(doc.RootElement.GetProperty("steady-sessions").GetProperty("mean").GetDouble(), 0, 1);
        // Every out-of-fold window, once: as many rows per evaluation as the report's calibration counts, each a
        // probability row over the training labels.
        var rows = File.ReadAllLines(Path.Combine(report, "oof", "windows.csv"));
        Assert.Equal("seed,fold,evaluation,truth," + string.Join(",", VoiceEmotion.Pipeline.Datasets.DatasetLoader.TrainingLabels), rows[0]);
        var cells = rows.Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(["clip", "clip/babble10", "clip/gsm", "episode-sessions", "episode-sessions/phone-mix", "sessions", "steady-sessions", "streaming"],
            cells.Select(c => c[2]).Distinct().Order());
        Assert.Equal([1, 2, 3], cells.Select(c => int.Parse(c[1])).Distinct().Order());
        foreach (var c in cells)
        {
            Assert.Contains(c[3], VoiceEmotion.Pipeline.Inference.EmotionLabels.All);
            Assert.InRange(c.Skip(4).Sum(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)), 0.999, 1.001);
        }
        foreach (var key in new[] { "clip", "streaming", "sessions" })
            Assert.Contains(md.Split('\n'), l => l.StartsWith($"| {key} | ", StringComparison.Ordinal) && l.EndsWith($" | {cells.Count(c => c[2] == key)} |", StringComparison.Ordinal));

        string transferJson = Path.Combine(report, "transfer.json");
        Assert.Equal(0, TrainingCli.Run(["transfer", "--train", _data.Directory, "--test", _data.Directory, "--epochs", "1", "--passes", "1", "--report", report, "--json", transferJson,
            "--balanced-output", "true"]));
        var transferMd = File.ReadAllText(Path.Combine(report, "transfer.md"));
        Assert.Contains("Cross-corpus transfer", transferMd);
        Assert.Contains("sessions (each speaker one call), first seed", transferMd);
        // A balanced output is scored twice from the same nets: with the class weights and without (the paired figure).
        Assert.Contains("The same nets without the class weights", transferMd);
        using (var t = System.Text.Json.JsonDocument.Parse(File.ReadAllText(transferJson)))
            foreach (var key in new[] { "clipMacroF1", "streamingMacroF1", "sessionsMacroF1" })
            {
                Assert.InRange(Assert.Single(t.RootElement.GetProperty(key).EnumerateArray().ToList()).GetDouble(), 0, 1);
                Assert.InRange(Assert.Single(t.RootElement.GetProperty("withoutClassWeights").GetProperty(key).EnumerateArray().ToList()).GetDouble(), 0, 1);
            }
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["cv", "--data", _data.Directory, "--report", report, "--conditions", "moon"], error: error));
        Assert.Contains("--conditions: unknown condition 'moon'", error.ToString());
        Assert.Contains("gsm", error.ToString());
    }

    [Fact]
    public void AStoppedCrossValidationGoesOnFromItsSavedFoldsWithTheSameResult()
    {
        string report = Path.Combine(_data.Directory, "cv-resume"), json = Path.Combine(report, "first.json");
        string[] args = ["cv", "--data", _data.Directory, "--report", report, "--folds", "3", "--epochs", "1", "--passes", "1", "--conditions", "gsm"];
        Assert.Equal(0, TrainingCli.Run([.. args, "--json", json]));
        var saved = Enumerable.Range(1, 3).Select(f => Path.Combine(report, FoldCheckpoints.Folder, $"seed-1-fold-{f}.json")).ToList();
        Assert.All(saved, p => Assert.True(File.Exists(p), p));
        Assert.DoesNotContain("taken from", File.ReadAllText(Path.Combine(report, "cross-validation.md")));

        // A run stopped during fold 2: folds 1 and 3 come from their files untouched, fold 2 is trained again, and the
        // summary is the uninterrupted run's to the last digit (training is deterministic for a seed).
        var before = saved.Select(File.ReadAllBytes).ToList();
        File.Delete(saved[1]);
        string resumedJson = Path.Combine(report, "resumed.json");
        Assert.Equal(0, TrainingCli.Run([.. args, "--json", resumedJson]));
        Assert.Equal(before[0], File.ReadAllBytes(saved[0]));
        Assert.Equal(before[2], File.ReadAllBytes(saved[2]));
        Assert.True(File.Exists(saved[1]));
        Assert.Equal(File.ReadAllText(json), File.ReadAllText(resumedJson));
        Assert.Contains("2 fold(s) were taken from earlier runs' saved folds", File.ReadAllText(Path.Combine(report, "cross-validation.md")));

        // A fold saved by a build that scored fewer evaluations (before steady sessions) is computed again, not refused.
        var older = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(saved[2]))!;
        older["Scores"]!.AsObject().Remove(CrossValidation.SteadySessions);
        File.WriteAllText(saved[2], older.ToJsonString());
        Assert.Equal(0, TrainingCli.Run([.. args, "--json", resumedJson]));
        Assert.Equal(File.ReadAllText(json), File.ReadAllText(resumedJson));
        Assert.Contains(CrossValidation.SteadySessions, File.ReadAllText(saved[2]));

        // Another recipe in the same folder is refused with the file named, not mixed in; --restart computes it afresh.
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. args, "--clips-per-speaker", "9"], error: error));
        Assert.Contains(saved[0], error.ToString());
        Assert.Contains("another cross-validation", error.ToString());
        Assert.Equal(0, TrainingCli.Run([.. args, "--clips-per-speaker", "9", "--restart", "--json", json]));
        Assert.NotEqual(before[0], File.ReadAllBytes(saved[0]));
        Assert.DoesNotContain("taken from", File.ReadAllText(Path.Combine(report, "cross-validation.md")));

        // A damaged file is named too.
        File.WriteAllText(saved[2], "{ not json");
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. args, "--clips-per-speaker", "9"], error: error));
        Assert.Contains($"{saved[2]} is not a saved fold", error.ToString());
    }

    [Fact]
    public void OnlyFoldsSavesTheNamedFoldsAndTheReportWaitsForTheOthers()
    {
        string report = Path.Combine(_data.Directory, "cv-only"), json = Path.Combine(report, "summary.json");
        string md = Path.Combine(report, "cross-validation.md");
        string[] args = ["cv", "--data", _data.Directory, "--report", report, "--folds", "3", "--epochs", "1", "--passes", "1", "--conditions", "gsm"];
        string Saved(int fold) => Path.Combine(report, FoldCheckpoints.Folder, $"seed-1-fold-{fold}.json");

        Assert.Equal(0, TrainingCli.Run([.. args, "--only-folds", "3,2", "--json", json]));
        Assert.True(File.Exists(Saved(2)) && File.Exists(Saved(3)));
        Assert.False(File.Exists(Saved(1)));
        Assert.False(File.Exists(md), "a report over part of the folds would read as the whole cross-validation");
        Assert.False(File.Exists(json));

        // Each saved fold is kept as confusion matrices too, and they read as the saved folds do.
        string kept = Path.Combine(report, FoldConfusions.FileName);
        Assert.Equal([(1, 2), (1, 3)], FoldConfusions.Load(kept).Keys);
        var fromFolder = new StringWriter();
        var fromFile = new StringWriter();
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", report, "--candidate", report], fromFolder));
        Assert.Equal(0, TrainingCli.Run(["compare", "--baseline", kept, "--candidate", kept], fromFile));
        Assert.Contains("| clip/gsm |", fromFile.ToString());
        Assert.Equal(fromFolder.ToString(), fromFile.ToString());

        // The next run trains the fold left and writes the report over all three, the other two taken as saved.
        var second = File.ReadAllBytes(Saved(2));
        Assert.Equal(0, TrainingCli.Run([.. args, "--json", json]));
        Assert.True(File.Exists(Saved(1)));
        Assert.Equal(second, File.ReadAllBytes(Saved(2)));
        Assert.Equal([(1, 1), (1, 2), (1, 3)], FoldConfusions.Load(kept).Keys);
        Assert.Contains("2 fold(s) were taken from earlier runs' saved folds", File.ReadAllText(md));
        Assert.True(File.Exists(json));

        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. args, "--only-folds", "4"], error: error));
        Assert.Contains("there is no fold 4 in a 3-fold cross-validation", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. args, "--only-folds", "0,2"], error: error));
        Assert.Contains("--only-folds needs fold numbers from 1", error.ToString());
    }

    [Fact]
    public void FitScoresAFoldsKeptNetsOnItsTrainingSpeakersBesideTheHeldOutFigureTheCrossValidationSaved()
    {
        string report = Path.Combine(_data.Directory, "cv-fit");
        string[] recipe = ["--folds", "3", "--epochs", "2", "--passes", "1"];
        Assert.Equal(0, TrainingCli.Run(["cv", "--data", _data.Directory, "--report", report, .. recipe, "--conditions", "gsm", "--seed", "4", "--only-folds", "2"]));
        var saved = FoldCheckpoints.ReadAll(report)[(4, 2)];
        foreach (var (condition, key) in new[] { ("clean", "clip"), ("gsm", "clip/gsm") })
        {
            // fit takes the seed from the file; its held-out column is the cross-validation's own figure for the fold.
            var output = new StringWriter();
            Assert.Equal(0, TrainingCli.Run(["fit", "--data", _data.Directory, "--report", report, .. recipe, "--condition", condition], output));
            var row = Assert.Single(output.ToString().Split('\n'), l => l.StartsWith("| 4 | 2 | ", StringComparison.Ordinal)).Split('|').Select(c => c.Trim()).ToArray();
            Assert.Contains(condition, output.ToString());
            double training = double.Parse(row[4], System.Globalization.CultureInfo.InvariantCulture);
            double held = double.Parse(row[5], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(VoiceEmotion.Training.Evaluation.Metrics(saved.Scores[key].ToScores()).MacroF1, held, 3);
            Assert.InRange(training, 0, 1);
            Assert.InRange(double.Parse(row[6].Replace('−', '-'), System.Globalization.CultureInfo.InvariantCulture) - (training - held), -0.0011, 0.0011); // three decimals each
            Assert.Contains(output.ToString().Split('\n'), l => l.StartsWith("| mean | 1 fold | ", StringComparison.Ordinal));
        }
        // Nets of another recipe, or of more folds than given, are refused by name before anything is scored.
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["fit", "--data", _data.Directory, "--report", report, "--folds", "3", "--epochs", "3", "--passes", "1"], error: error));
        Assert.Contains("seed-4-fold-2.nets holds nets of another recipe", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["fit", "--data", _data.Directory, "--report", report, "--folds", "1", "--epochs", "2", "--passes", "1"], error: error));
        Assert.Contains("over more than 1 folds", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run(["fit", "--data", _data.Directory, "--report", _data.Directory], error: error));
        Assert.Contains("keeps no fold's nets", error.ToString());
    }

    [Fact]
    public void APairedCrossValidationGivesEachRecipeWhatItsOwnRunGives()
    {
        // A candidate that changes the CNN (its frame shift, so also its standardisation) and the classifier's dropout,
        // trained beside the baseline on the same draws, against each recipe's own run: the same saved scores, every
        // window's probabilities included, on every evaluation.
        string[] common = ["cv", "--data", _data.Directory, "--folds", "3", "--epochs", "2", "--passes", "1", "--conditions", "gsm", "--seed", "4", "--only-folds", "2"];
        string Dir(string name) => Path.Combine(_data.Directory, name);
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-base")]));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-cand"), "--frame-shift", "blend", "--dropout", "0.2"]));
        var output = new StringWriter();
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("pair-base"), "--candidate", " --frame-shift blend  --dropout 0.2", "--candidate-report", Dir("pair-cand")], output));

        string Scores(string dir) => System.Text.Json.JsonSerializer.Serialize(FoldCheckpoints.ReadAll(dir)[(4, 2)].Scores);
        Assert.Equal(Scores(Dir("alone-base")), Scores(Dir("pair-base")));
        Assert.Equal(Scores(Dir("alone-cand")), Scores(Dir("pair-cand")));
        Assert.NotEqual(Scores(Dir("pair-base")), Scores(Dir("pair-cand")));
        // The two recipes' folds are kept apart, each with its own recipe's fingerprint (a solo run of it could go on from them).
        Assert.Equal(FoldCheckpoints.ReadAll(Dir("alone-cand"))[(4, 2)].Fingerprint, FoldCheckpoints.ReadAll(Dir("pair-cand"))[(4, 2)].Fingerprint);
        Assert.Equal(FoldCheckpoints.ReadAll(Dir("alone-base"))[(4, 2)].Fingerprint, FoldCheckpoints.ReadAll(Dir("pair-base"))[(4, 2)].Fingerprint);
        Assert.True(File.Exists(Path.Combine(Dir("pair-cand"), FoldConfusions.FileName)));

        // A candidate that would draw other examples, changes nothing, or is not a recipe option is refused before any work.
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--clips-per-speaker 9 --epochs 3", "--candidate-report", Dir("y")], error: error));
        Assert.Contains("cannot share the baseline's draws: --epochs differs (2 against 3); --clips-per-speaker differs (100 against 9)", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--seed 4", "--candidate-report", Dir("y")], error: error));
        Assert.Contains("--candidate changes nothing", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--data elsewhere", "--candidate-report", Dir("y")], error: error));
        Assert.Contains("--candidate \"--data elsewhere\"", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--dropout 0.2"], error: error));
        Assert.Contains("--candidate and --candidate-report go together", error.ToString());
        Assert.False(Directory.Exists(Dir("x")), "a refused pairing writes nothing");
    }

    [Fact]
    public void CandidatesThatOnlyReadTheOutputOtherwiseAreScoredOnTheBaselinesNets()
    {
        // Two candidates that change only how the output is read (the session gate; the session-following temperature)
        // and one that trains (its dropout), all in one run: each gets what its own run gives, every window's
        // probabilities included, and the readers carry the baseline's training curves (the same nets, trained once).
        string[] common = ["cv", "--data", _data.Directory, "--folds", "3", "--epochs", "2", "--passes", "1", "--conditions", "none", "--seed", "4", "--only-folds", "2"];
        string Dir(string name) => Path.Combine(_data.Directory, name);
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-base")]));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-gate"), "--session-gate", "0.4"]));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-warm"), "--isolated-temperature", "1"]));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-drop"), "--dropout", "0.2"]));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("all-base"),
            "--candidate", "--session-gate 0.4", "--candidate-report", Dir("all-gate"),
            "--candidate", "--dropout 0.2", "--candidate-report", Dir("all-drop"),
            "--candidate", "--isolated-temperature 1", "--candidate-report", Dir("all-warm")]));

        SavedFold Fold(string name) => FoldCheckpoints.ReadAll(Dir(name))[(4, 2)];
        string Scores(string name) => System.Text.Json.JsonSerializer.Serialize(Fold(name).Scores);
        string Curve(string name) => System.Text.Json.JsonSerializer.Serialize(Fold(name).Curve.Select(e => new { e.Member, e.Epoch, e.Loss, e.ValidationMacroF1 }));
        foreach (var arm in new[] { "base", "gate", "warm", "drop" })
        {
            Assert.Equal(Scores("alone-" + arm), Scores("all-" + arm));
            Assert.Equal(Fold("alone-" + arm).Fingerprint, Fold("all-" + arm).Fingerprint);
            Assert.Equal(Curve("alone-" + arm), Curve("all-" + arm));
        }
        Assert.NotEqual(Scores("all-base"), Scores("all-gate"));
        Assert.NotEqual(Scores("all-base"), Scores("all-warm"));
        Assert.Equal(Curve("all-base"), Curve("all-gate"));
        Assert.NotEqual(Curve("all-base"), Curve("all-drop"));

        // The baseline's nets are kept beside its folds: a reader added by a later run is scored on them without training
        // (its curve is the kept one to the second of wall time) and gets what its own run gives.
        Assert.True(File.Exists(Path.Combine(Dir("all-base"), FoldCheckpoints.Folder, "seed-4-fold-2.nets")));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("alone-quarter"), "--session-gate", "0.25"]));
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("all-base"), "--candidate", "--session-gate 0.25", "--candidate-report", Dir("late-quarter")]));
        Assert.Equal(Scores("alone-quarter"), Scores("late-quarter"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(Fold("all-base").Curve), System.Text.Json.JsonSerializer.Serialize(Fold("late-quarter").Curve));
        Assert.NotEqual(System.Text.Json.JsonSerializer.Serialize(Fold("alone-quarter").Curve), System.Text.Json.JsonSerializer.Serialize(Fold("late-quarter").Curve));
        // Nets that are not a fold's (a damaged file) are said and trained again, not trusted.
        string keptCurve = System.Text.Json.JsonSerializer.Serialize(Fold("all-base").Curve);
        File.WriteAllText(Path.Combine(Dir("all-base"), FoldCheckpoints.Folder, "seed-4-fold-2.nets"), "{ not nets");
        Assert.Equal(0, TrainingCli.Run([.. common, "--report", Dir("all-base"), "--candidate", "--isolated-temperature 1", "--candidate-report", Dir("late-warm")]));
        Assert.Equal(Scores("alone-warm"), Scores("late-warm"));
        Assert.NotEqual(keptCurve, System.Text.Json.JsonSerializer.Serialize(Fold("late-warm").Curve));

        // Two candidates that would each train nets of their own, or two recipes in one folder, are refused before any work.
        var error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--dropout 0.2", "--candidate-report", Dir("y"),
            "--candidate", "--dropout 0.1", "--candidate-report", Dir("z")], error: error));
        Assert.Contains("at most one candidate may train nets of its own", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--session-gate 0.4", "--candidate-report", Dir("y"),
            "--candidate", "--session-gate 0.3", "--candidate-report", Dir("y")], error: error));
        Assert.Contains("every recipe needs a report folder of its own", error.ToString());
        error = new StringWriter();
        Assert.Equal(TrainingCli.UsageError, TrainingCli.Run([.. common, "--report", Dir("x"), "--candidate", "--session-gate 0.4", "--candidate-report", Dir("y"),
            "--candidate", "--session-gate 0.3"], error: error));
        Assert.Contains("one report folder per candidate", error.ToString());
        Assert.False(Directory.Exists(Dir("x")), "a refused run writes nothing");
        // A gate of 0 removes the session members: other nets, so it trains (and is not taken for a reader).
        Assert.False(new TrainingRecipe().ReadsSameNets(new TrainingRecipe { SessionGate = 0 }));
        Assert.True(new TrainingRecipe().ReadsSameNets(new TrainingRecipe { SessionGate = 0.3f, IsolatedTemperature = null }));
        Assert.False(new TrainingRecipe().ReadsSameNets(new TrainingRecipe { SessionGate = 0.3f, BalancedOutput = false }));
    }

    [Fact]
    public void AFolderWithAnUnreadableFileNamesItAndGoesOn()
    {
        File.WriteAllText(Path.Combine(_data.Directory, "03-01-05-01-01-01-09.wav"), "this is not a wav file");
        var corpus = new Corpus([_data.Directory]);
        Assert.Equal(48, corpus.Clips.Count);
        Assert.Single(corpus.Unreadable);
        Assert.Contains("03-01-05-01-01-01-09.wav", corpus.Unreadable[0]);
        Assert.Equal(1, corpus.Skipped);
    }

    [Fact]
    public void TrainingWindowsAreTheLiveWindowsAcrossUtteranceRestarts()
    {
        // Leading silence, speech, a pause long enough to restart the window, more speech: the frames input the model
        // is trained on must be the one a live session gives it at every speech update (the restart included).
        var voice = SyntheticVoice.Generate(16000, 9, seed: 31);
        var audio = new float[16000 + voice.Length + 9600 + voice.Length];
        voice.CopyTo(audio, 16000);
        voice.CopyTo(audio, 16000 + voice.Length + 9600);
        var options = SessionOptions.Default;
        var clip = new ClipFeatures(0, 0, 0, "s", audio, options);

        var analyzer = new StreamAnalyzer("s", options: options);
        var ready = new List<WindowInput>();
        analyzer.PushSamples(audio, ready);
        int compared = 0, restarted = 0;
        foreach (var w in ready)
        {
            int u = w.Seq;
            if (u >= clip.Updates) break;
            Assert.Equal(w.Speech, clip.IsSpeech(u));
            if (!w.Speech) continue;
            var frames = new float[w.Frames.Length];
            clip.CopyWindow(u, options.UpdateFrames, frames);
            Assert.Equal(w.Frames, frames);
            Assert.Equal(w.Stats.AsSpan(0, FeatureSchema.WindowStatisticsCount).ToArray(),
                clip.UpdateStats(u)[..FeatureSchema.WindowStatisticsCount].ToArray());
            compared++;
            if (clip.WindowCounts[u] < Math.Min(clip.EndFrame(u, options.UpdateFrames), options.WindowFrames)) restarted++;
        }
        Assert.True(compared >= 20, $"{compared} speech updates compared");
        Assert.True(restarted >= 2, $"{restarted} updates after a restart");
    }
}

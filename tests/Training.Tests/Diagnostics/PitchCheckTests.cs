using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Diagnostics;

namespace VoiceEmotion.Training.Tests.Diagnostics;

/// <summary>The known-f0 voices and the pitch check read on them: the truth is what it says, and the check counts the
/// errors a line makes (and none where there are none).</summary>
public sealed class PitchCheckTests
{
    private static readonly SyntheticVoice Voice = SyntheticVoice.Create(new Random(7));

    [Fact]
    public void AVoiceIsReproducibleInItsRegisterAndPausesAboutAFifthOfTheTime()
    {
        var again = SyntheticVoice.Create(new Random(7));
        Assert.Equal(Voice.Audio, again.Audio);
        Assert.Equal(3 * 16000, Voice.Audio.Length);
        Assert.InRange(Voice.RegisterHz, 90, 250);
        var voiced = Enumerable.Range(0, Voice.Audio.Length).Where(i => Voice.Truth[i] == 1).ToList();
        Assert.All(voiced, i => Assert.InRange(Voice.F0Hz[i], Voice.RegisterHz * 0.75, Voice.RegisterHz * 1.33));
        double pauses = Voice.Truth.Count(t => t == 0) / (double)Voice.Truth.Length;
        Assert.InRange(pauses, 0.08, 0.4);
        Assert.All(Enumerable.Range(0, Voice.Audio.Length).Where(i => Voice.Truth[i] == 0), i => Assert.Equal(0f, Voice.Audio[i]));
        double rms = Math.Sqrt(voiced.Average(i => (double)Voice.Audio[i] * Voice.Audio[i]));
        Assert.InRange(20 * Math.Log10(rms), -26, -24);
        // Voices differ in register.
        var registers = Enumerable.Range(0, 40).Select(s => SyntheticVoice.Create(new Random(s), 0.5).RegisterHz).ToList();
        Assert.True(registers.Min() < 120 && registers.Max() > 200, $"registers {registers.Min():0}–{registers.Max():0} Hz");
    }

    [Fact]
    public void TheShippedFeaturesTrackACleanVoiceAndTheCheckCountsWhatALineBreaks()
    {
        var clean = PitchCheck.Score(Voice, Voice.Audio, "clean");
        Assert.True(clean.Frames > 200, $"{clean.Frames} frames judged");
        Assert.InRange(clean.TrulyVoiced, clean.Frames / 2, clean.Frames - 10);
        Assert.True(clean.Vde < 0.02, $"VDE {clean.Vde:P1} on a clean voice");
        Assert.True(clean.Gpe < 0.03, $"GPE {clean.Gpe:P1} on a clean voice");

        // Nothing heard: every voiced frame missed, nothing extra.
        var silent = PitchCheck.Score(Voice, new float[Voice.Audio.Length], "silence");
        Assert.Equal((silent.TrulyVoiced, 0L, 0L), (silent.Missed, silent.Extra, silent.BothVoiced));

        // A high voice sounding an octave below its truth (which stays above the tracker's 60 Hz): nearly every frame
        // voiced in both is a gross error, an octave down.
        int seed = Enumerable.Range(0, 100).First(s => SyntheticVoice.Create(new Random(s), 0.1).RegisterHz > 170);
        var high = SyntheticVoice.Create(new Random(seed));
        var low = SyntheticVoice.Create(new Random(seed), 3, sounding: 0.5);
        Assert.Equal(high.Truth, low.Truth);
        var right = PitchCheck.Score(high, high.Audio, "clean");
        var halved = PitchCheck.Score(high, low.Audio, "halved");
        Assert.True(right.Gpe < 0.03, $"GPE {right.Gpe:P1} on the high voice itself");
        Assert.True(halved.BothVoiced > right.BothVoiced / 2 && halved.Gpe > 0.8, $"GPE {halved.Gpe:P1} over {halved.BothVoiced} of {right.BothVoiced} frames");
        Assert.True(halved.OctaveDown > 0.8 * halved.Gross, $"{halved.OctaveDown} of {halved.Gross} gross errors an octave down");
        Assert.Equal(0, halved.OctaveUp);

        // Other voiced talkers at 10 dB SNR fill the pauses: extra voicing, and more gross errors than clean.
        Func<Random, float[]> talkers = r => SyntheticVoice.Create(new Random(r.Next())).Audio;
        var babble = PitchCheck.Run(["clean", "babble10"], voices: 6, seed: 3, talkers);
        Assert.Equal(["clean", "babble10"], babble.Select(r => r.Condition));
        Assert.Equal(babble[0].Frames, babble[1].Frames);
        Assert.True(babble[1].Extra > babble[0].Extra + babble[0].Frames / 50, $"extra voicing {babble[0].Extra} clean, {babble[1].Extra} under babble");
        Assert.Equal(babble, PitchCheck.Run(["clean", "babble10"], voices: 6, seed: 3, talkers));
        string table = PitchCheck.Table(babble);
        Assert.Contains("| babble10 |", table);
        Assert.Throws<ArgumentException>(() => PitchCheck.Run(["tin-can"], 1, 1, talkers));
    }
}

using System.Globalization;
using System.Text;
using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Channels;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Diagnostics;

/// <summary>How the frame features' voicing and f0 hold up through one line, against voices of known f0
/// (<see cref="SyntheticVoice"/>). Shares are of judged frames: those whose whole pitch analysis span (the frame, the
/// tracker's look-back and the decimator's delay) lies in a voiced stretch or in a pause.</summary>
public sealed record PitchCheckResult(string Condition, long Frames, long TrulyVoiced, long Voiced, long Missed, long Extra,
    long BothVoiced, long Gross, long OctaveUp, long OctaveDown)
{
    /// <summary>Voicing decision error: frames whose voiced flag differs from the truth.</summary>
    public double Vde => Share(Missed + Extra, Frames);

    /// <summary>Gross pitch error: frames voiced in both whose f0 is more than 20 % off.</summary>
    public double Gpe => Share(Gross, BothVoiced);

    internal static double Share(long part, long whole) => whole == 0 ? 0 : (double)part / whole;

    internal PitchCheckResult Add(PitchCheckResult o) => new(Condition, Frames + o.Frames, TrulyVoiced + o.TrulyVoiced, Voiced + o.Voiced,
        Missed + o.Missed, Extra + o.Extra, BothVoiced + o.BothVoiced, Gross + o.Gross, OctaveUp + o.OctaveUp, OctaveDown + o.OctaveDown);
}

/// <summary>
/// Scores the shipped frame features' voicing and f0 (<see cref="FrameFeatureExtractor"/>: YIN on the 4 kHz signal and
/// its voice-level gate) on synthetic voices of known f0 heard through named line conditions, background talkers taken
/// from a corpus. The measurement a change to the voicing decision is read on before any training (stop 53's scratch
/// harness, which was not kept, made one like it).
/// </summary>
public static class PitchCheck
{
    // A frame's pitch analysis reads the 16 kHz samples [end - reach, end): the frame (400) and the tracker's look-back to
    // 60 Hz (267), widened by the 47-tap decimator on both sides (its delay, 23 samples, each way).
    private const int PitchSpan = FeatureSchema.FrameLength + FeatureSchema.SampleRate / 60 + 1;
    private const int DecimatorDelay = 23;
    private const int AnalysisReach = PitchSpan + 2 * DecimatorDelay;

    /// <summary>One voice through one condition: the frames judged and how the features called them.</summary>
    public static PitchCheckResult Score(SyntheticVoice voice, float[] heard, string condition)
    {
        var frames = FrameFeatureExtractor.ExtractAll(heard, out int count);
        int n = Math.Min(heard.Length, voice.Truth.Length);
        // Prefix counts of voiced and pause samples, to judge a frame's span in O(1).
        var voicedBefore = new int[n + 1];
        var pauseBefore = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            voicedBefore[i + 1] = voicedBefore[i] + (voice.Truth[i] == 1 ? 1 : 0);
            pauseBefore[i + 1] = pauseBefore[i] + (voice.Truth[i] == 0 ? 1 : 0);
        }
        long judged = 0, trulyVoiced = 0, voiced = 0, missed = 0, extra = 0, both = 0, gross = 0, up = 0, down = 0;
        int F = FeatureSchema.FrameFeatureCount;
        for (int f = 0; f < count; f++)
        {
            int end = f * FeatureSchema.HopLength + FeatureSchema.FrameLength, start = end - AnalysisReach;
            if (start < 0 || end > n) continue;
            int span = end - start;
            bool truthVoiced = voicedBefore[end] - voicedBefore[start] == span;
            if (!truthVoiced && pauseBefore[end] - pauseBefore[start] != span) continue;
            judged++;
            bool heardVoiced = frames[f * F + FeatureSchema.Voiced] > 0.5f;
            if (heardVoiced) voiced++;
            if (truthVoiced) trulyVoiced++;
            if (truthVoiced && !heardVoiced) missed++;
            if (!truthVoiced && heardVoiced) extra++;
            if (!(truthVoiced && heardVoiced)) continue;
            both++;
            // The truth at the middle of what the tracker reads (the decimator delays it by 23 samples).
            double ratio = frames[f * F + FeatureSchema.F0Hz] / voice.F0Hz[end - DecimatorDelay - PitchSpan / 2];
            double octaves = Math.Log2(ratio);
            if (Math.Abs(ratio - 1) > 0.2) gross++;
            if (Math.Abs(octaves - 1) < 0.15) up++;
            if (Math.Abs(octaves + 1) < 0.15) down++;
        }
        return new PitchCheckResult(condition, judged, trulyVoiced, voiced, missed, extra, both, gross, up, down);
    }

    /// <summary><paramref name="voices"/> voices (3 s each, from <paramref name="seed"/>) through each condition, summed;
    /// background talkers from <paramref name="babble"/>. Deterministic; runs on all cores.</summary>
    public static List<PitchCheckResult> Run(IReadOnlyList<string> conditions, int voices, int seed, Func<Random, float[]> babble, Action<double>? progress = null)
    {
        foreach (var c in conditions) LineCondition.Get(c);
        var results = new PitchCheckResult[voices, conditions.Count];
        int done = 0;
        Parallel.For(0, voices, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, v =>
        {
            var voice = SyntheticVoice.Create(new Random(Seeds.Mix(seed, v, 31)));
            for (int c = 0; c < conditions.Count; c++)
            {
                var random = new Random(Seeds.Mix(seed, v, Corpus.StableHash(conditions[c])));
                results[v, c] = Score(voice, LineSimulator.Apply(voice.Audio, LineCondition.Get(conditions[c]), random, babble), conditions[c]);
            }
            progress?.Invoke((double)Interlocked.Increment(ref done) / voices);
        });
        return [.. Enumerable.Range(0, conditions.Count).Select(c => Enumerable.Range(0, voices).Select(v => results[v, c]).Aggregate((a, b) => a.Add(b)))];
    }

    /// <summary>The results as a Markdown table, one line per condition.</summary>
    public static string Table(IEnumerable<PitchCheckResult> results)
    {
        string P(long part, long whole) => (100 * PitchCheckResult.Share(part, whole)).ToString("0.0", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine("| line | frames judged | truly voiced % | heard voiced % | VDE % (missed / extra) | GPE % | octave up / down % |");
        text.AppendLine("|---|---:|---:|---:|---|---:|---|");
        foreach (var r in results)
            text.AppendLine($"| {r.Condition} | {r.Frames} | {P(r.TrulyVoiced, r.Frames)} | {P(r.Voiced, r.Frames)} | {P(r.Missed + r.Extra, r.Frames)} " +
                            $"({P(r.Missed, r.Frames)} / {P(r.Extra, r.Frames)}) | {P(r.Gross, r.BothVoiced)} | {P(r.OctaveUp, r.BothVoiced)} / {P(r.OctaveDown, r.BothVoiced)} |");
        return text.ToString();
    }
}

namespace VoiceEmotion.Pipeline.Features;

/// <summary>
/// Causal running baseline of one speaker's window statistics over the speech heard so far in a session (one per
/// stream, so each track of a phone call has its own). Much of what separates emotions is a change from a speaker's
/// usual voice, so the model also gets each window relative to this baseline, weighted by how much speech backs it.
/// A window taken in a pause holds the last utterance diluted by the silence after it (a caller listening to the agent
/// gives many of those). Folding every one drew the baseline toward silence, more the longer the pauses (schema
/// session-v1); folding none cost isolated clips and streaming updates on the validation split (session-v2). So a pause
/// folds exactly one window, its first (<see cref="Folds"/>: the utterance with at most 0.85 s of silence after it), and
/// a 4 s pause weighs what a 0.4 s one does. Every window still gets its session block.
/// Part of feature schema "session-v3": the constants and this rule are what the shipped model was trained with.
/// </summary>
public sealed class SpeakerBaseline
{
    /// <summary>Speech updates at which the baseline gets weight 1/2: w = n / (n + PriorUpdates) (5 s of speech).</summary>
    public const int PriorUpdates = 10;

    /// <summary>Beyond this many speech updates (5 min of speech) the mean forgets exponentially with this time constant,
    /// so a long call follows a slowly changing speaker or line while memory stays constant.</summary>
    public const int MemoryUpdates = 600;

    private static readonly int S = FeatureSchema.WindowStatisticsCount;

    private readonly double[] _mean = new double[S];

    /// <summary>Speech updates folded into the baseline so far.</summary>
    public int SpeechUpdates { get; private set; }

    /// <summary>Weight of the session block: 0 before any speech, then n / (n + <see cref="PriorUpdates"/>).</summary>
    public float Weight => SpeechUpdates / (float)(SpeechUpdates + PriorUpdates);

    /// <summary>
    /// Writes the session block for a window: w · (statistic − baseline mean) for every window statistic, then w.
    /// Before any speech the block is all zeros, so the first seconds of a session are scored on the window alone.
    /// </summary>
    public void WriteRelative(ReadOnlySpan<float> windowStatistics, Span<float> destination)
    {
        if (windowStatistics.Length < S) throw new ArgumentException($"need {S} window statistics", nameof(windowStatistics));
        if (destination.Length < S + 1) throw new ArgumentException($"need {S + 1} values", nameof(destination));
        if (SpeechUpdates == 0)
        {
            destination[..(S + 1)].Clear();
            return;
        }
        float w = Weight;
        for (int i = 0; i < S; i++) destination[i] = (float)(w * (windowStatistics[i] - _mean[i]));
        destination[S] = w;
    }

    /// <summary>Whether a speech window is folded into the baseline: unless it was taken more than one update step into a
    /// pause. <paramref name="unvoicedRun"/> is <see cref="WindowStatistics.UnvoicedRun"/> at the update; a pause begins
    /// at <see cref="FeatureSchema.PauseResetFrames"/> unvoiced frames, so exactly one update of each pause folds.</summary>
    public static bool Folds(int unvoicedRun, int updateFrames) => unvoicedRun < FeatureSchema.PauseResetFrames + updateFrames;

    /// <summary>A live session's step at a speech update: the window's session block, then the window folded in if
    /// <paramref name="fold"/> (<see cref="Folds"/>).</summary>
    public void Step(ReadOnlySpan<float> windowStatistics, Span<float> destination, bool fold)
    {
        WriteRelative(windowStatistics, destination);
        if (fold) Add(windowStatistics);
    }

    /// <summary>Folds a speech window's statistics into the baseline (after <see cref="WriteRelative"/> for that window).</summary>
    public void Add(ReadOnlySpan<float> windowStatistics)
    {
        if (windowStatistics.Length < S) throw new ArgumentException($"need {S} window statistics", nameof(windowStatistics));
        SpeechUpdates++;
        double rate = 1.0 / Math.Min(SpeechUpdates, MemoryUpdates);
        for (int i = 0; i < S; i++) _mean[i] += rate * (windowStatistics[i] - _mean[i]);
    }

    public void Reset()
    {
        SpeechUpdates = 0;
        Array.Clear(_mean);
    }
}

using VoiceEmotion.Pipeline.Inference;

namespace VoiceEmotion.Training;

/// <summary>How clips are scored: see <see cref="Scorer"/>.</summary>
public enum ScoreMode { Clip, Streaming, Sessions, SteadySessions, EpisodeSessions }

/// <summary>Scores a set of a corpus's clips in one mode under one named line condition.</summary>
public static class Evaluation
{
    /// <summary>Scores; <see cref="ClipScores.Clips"/> are indices into the corpus.</summary>
    public static ClipScores Score(Corpus corpus, IReadOnlyList<int> clips, Scorer scorer, ScoreMode mode, string condition, int seed, bool keepFeatures = true) =>
        ScoreInOrder(corpus, clips, scorer, mode, condition, seed, keepFeatures).Relabel(clips);

    private static ClipScores ScoreInOrder(Corpus corpus, IReadOnlyList<int> clips, Scorer scorer, ScoreMode mode, string condition, int seed, bool keepFeatures)
    {
        switch (mode)
        {
            case ScoreMode.Clip:
            {
                var features = corpus.Features(clips, condition);
                var scores = scorer.ClipLevel(features);
                if (!keepFeatures) corpus.Forget(clips);
                return scores;
            }
            case ScoreMode.Streaming:
                return scorer.Streaming(Heard(corpus, clips, condition).Select(h => (h.Audio, h.Label)).ToList());
            case ScoreMode.Sessions:
            case ScoreMode.SteadySessions:
            case ScoreMode.EpisodeSessions:
                return scorer.Sessions(Heard(corpus, clips, condition), seed,
                    mode switch { ScoreMode.SteadySessions => SessionOrder.Steady, ScoreMode.EpisodeSessions => SessionOrder.Episodes, _ => SessionOrder.Random });
            default:
                throw new ArgumentOutOfRangeException(nameof(mode));
        }
    }

    public static EvaluationResult Metrics(ClipScores scores, int skipped = 0) =>
        Training.Metrics.Compute(EmotionLabels.All, scores.Truth, scores.Predicted, skipped);

    public static string Describe(ScoreMode mode) => mode switch
    {
        ScoreMode.Clip => "clip-level",
        ScoreMode.Streaming => "streaming",
        ScoreMode.SteadySessions => "steady sessions",
        ScoreMode.EpisodeSessions => "episode sessions",
        _ => "sessions",
    };

    private static List<(string Speaker, float[] Audio, int Label)> Heard(Corpus corpus, IReadOnlyList<int> clips, string condition)
    {
        var heard = new (string, float[], int)[clips.Count];
        Parallel.For(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            heard[i] = (corpus.Clips[clips[i]].Speaker, corpus.Heard(clips[i], condition, clips), corpus.Clips[clips[i]].Label));
        return [.. heard];
    }
}

namespace VoiceEmotion.Pipeline.Features;

/// <summary>
/// Names, order and version of the frame features and window statistics. Training and serving share it; a model
/// records <see cref="Version"/> and the Pipeline refuses a model built for another one. Bump the version whenever
/// names, order or meaning change.
/// </summary>
public static class FeatureSchema
{
    public const string Version = "frame-v3+window-v2+session-v3";

    public const int SampleRate = 16000;
    public const int FrameLength = 400;
    public const int HopLength = 160;
    public const int FramesPerSecond = SampleRate / HopLength;
    public const int DefaultWindowFrames = 300;
    public const int UpdateFrames = 50;

    /// <summary>A voiced frame after at least this many unvoiced frames (0.35 s) starts a new utterance: the window
    /// restarts there, so an update describes the words being spoken, not the tail of the previous utterance.</summary>
    public const int PauseResetFrames = 35;

    public const int LogMelCount = 40;
    public const int MfccCount = 13;

    public const int LogMelStart = 0;
    public const int MfccStart = LogMelStart + LogMelCount;
    public const int MfccDeltaStart = MfccStart + MfccCount;
    public const int ScalarStart = MfccDeltaStart + MfccCount;

    /// <summary>The per-frame scalar features after the MFCC deltas, in vector order. This list is the one definition of
    /// their order: the index fields below are looked up in it, so the two cannot drift.</summary>
    private static readonly string[] Scalars =
    [
        "f0_hz", "voicing_prob", "f0_semitone", "rms_db", "zcr", "spectral_centroid_hz", "spectral_rolloff85_hz",
        "spectral_flux", "spectral_flatness", "spectral_slope_db_per_khz", "alpha_ratio_db", "hnr_db", "jitter_local",
        "shimmer_local_db", "voiced",
    ];

    public static readonly int F0Hz = Scalar("f0_hz");
    public static readonly int VoicingProbability = Scalar("voicing_prob");
    public static readonly int F0Semitone = Scalar("f0_semitone");
    public static readonly int LoudnessDb = Scalar("rms_db");
    public static readonly int ZeroCrossingRate = Scalar("zcr");
    public static readonly int SpectralCentroidHz = Scalar("spectral_centroid_hz");
    public static readonly int SpectralRolloffHz = Scalar("spectral_rolloff85_hz");
    public static readonly int SpectralFlux = Scalar("spectral_flux");
    public static readonly int SpectralFlatness = Scalar("spectral_flatness");
    public static readonly int SpectralSlope = Scalar("spectral_slope_db_per_khz");
    public static readonly int AlphaRatioDb = Scalar("alpha_ratio_db");
    public static readonly int HnrDb = Scalar("hnr_db");
    public static readonly int JitterLocal = Scalar("jitter_local");
    public static readonly int ShimmerLocalDb = Scalar("shimmer_local_db");
    public static readonly int Voiced = Scalar("voiced");

    /// <summary>Frame feature names in vector order.</summary>
    public static IReadOnlyList<string> FrameFeatureNames { get; } = BuildFrameNames();

    public static int FrameFeatureCount => FrameFeatureNames.Count;

    /// <summary>Frame features summarised by the full set of functionals (min, max, p10, p50, p90, slope) besides mean and std.</summary>
    internal static readonly int[] DetailedFeatures =
    [
        LoudnessDb, SpectralCentroidHz, SpectralFlux, SpectralFlatness, SpectralSlope, AlphaRatioDb, HnrDb, ZeroCrossingRate,
    ];

    internal static readonly string[] DetailedFunctionals = ["min", "max", "p10", "p50", "p90", "slope"];

    internal static readonly string[] VoicedPitchFunctionals =
        ["f0_semitone_voiced_mean", "f0_semitone_voiced_std", "f0_semitone_voiced_p10", "f0_semitone_voiced_p50",
         "f0_semitone_voiced_p90", "f0_semitone_voiced_range", "f0_semitone_voiced_slope", "hnr_db_voiced_mean",
         "jitter_local_voiced_mean", "shimmer_local_db_voiced_mean", "rms_db_voiced_mean"];

    internal static readonly string[] RhythmFunctionals =
        ["voiced_fraction", "voiced_onset_rate_hz", "pause_fraction", "mean_voiced_run_s"];

    /// <summary>Names of what <see cref="WindowStatistics"/> computes: mean and std of every frame feature, then detailed
    /// functionals, voiced-only pitch statistics and rhythm.</summary>
    public static IReadOnlyList<string> WindowStatisticNames { get; } = BuildWindowNames();

    public static int WindowStatisticsCount => WindowStatisticNames.Count;

    /// <summary>The model's statistics input in vector order: the window statistics, then the session block of
    /// <see cref="SpeakerBaseline"/> (each statistic relative to the session's own speech so far, and its weight).</summary>
    public static IReadOnlyList<string> WindowFeatureNames { get; } =
        [.. WindowStatisticNames, .. WindowStatisticNames.Select(n => "session_rel_" + n), "session_weight"];

    public static int WindowFeatureCount => WindowFeatureNames.Count;

    /// <summary>Position of the session block's weight ("session_weight", the last value) in the statistics input.</summary>
    public static int SessionWeightIndex => WindowFeatureCount - 1;

    /// <summary>Values in the session block: one relative value per window statistic, then the weight.</summary>
    public static int SessionFeatureCount => WindowStatisticsCount + 1;

    private static int Scalar(string name)
    {
        int i = Array.IndexOf(Scalars, name);
        return i >= 0 ? ScalarStart + i : throw new InvalidOperationException($"'{name}' is not a frame feature name");
    }

    /// <summary>Index of a frame feature by name, or -1.</summary>
    public static int IndexOf(string name)
    {
        for (int i = 0; i < FrameFeatureNames.Count; i++) if (FrameFeatureNames[i] == name) return i;
        return -1;
    }

    /// <summary>Index of a model statistics input (window statistic or session value) by name, or -1.</summary>
    public static int WindowIndexOf(string name)
    {
        for (int i = 0; i < WindowFeatureNames.Count; i++) if (WindowFeatureNames[i] == name) return i;
        return -1;
    }

    private static string[] BuildFrameNames()
    {
        var names = new List<string>();
        for (int i = 0; i < LogMelCount; i++) names.Add($"logmel_{i:00}");
        for (int i = 1; i <= MfccCount; i++) names.Add($"mfcc_{i:00}");
        for (int i = 1; i <= MfccCount; i++) names.Add($"mfcc_d_{i:00}");
        names.AddRange(Scalars);
        return [.. names];
    }

    private static string[] BuildWindowNames()
    {
        var frame = FrameFeatureNames;
        var names = new List<string>();
        foreach (var n in frame) names.Add(n + "_mean");
        foreach (var n in frame) names.Add(n + "_std");
        foreach (int f in DetailedFeatures)
            foreach (var fn in DetailedFunctionals) names.Add($"{frame[f]}_{fn}");
        names.AddRange(VoicedPitchFunctionals);
        names.AddRange(RhythmFunctionals);
        return [.. names];
    }
}

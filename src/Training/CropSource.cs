using VoiceEmotion.Pipeline.Features;
using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training;

/// <summary>Training examples: every speech update point of every cached clip variant, as the live model would see it.</summary>
public sealed class CropSource : IExampleSource
{
    private readonly IReadOnlyList<ClipFeatures> _clips;
    private readonly (int Clip, int Update)[] _examples;
    private readonly int _updateFrames;

    public CropSource(IReadOnlyList<ClipFeatures> clips, int updateFrames, float minVoicedFraction)
    {
        _clips = clips;
        _updateFrames = updateFrames;
        var examples = new List<(int, int)>();
        for (int c = 0; c < clips.Count; c++)
            for (int u = 0; u < clips[c].Updates; u++)
                if (clips[c].VoicedFraction[u] >= minVoicedFraction) examples.Add((c, u));
        _examples = [.. examples];
    }

    public int Count => _examples.Length;

    public int Fill(int index, Span<float> frames, Span<float> stats)
    {
        var (c, u) = _examples[index];
        var clip = _clips[c];
        if (!frames.IsEmpty) clip.CopyWindow(u, _updateFrames, frames);
        clip.UpdateStats(u).CopyTo(stats);
        return clip.TrainingLabel;
    }

    /// <summary>Per-feature mean and 1/std of frame rows and window statistics over (a sample of) the examples.</summary>
    public (float[] FrameMean, float[] FrameScale, float[] StatsMean, float[] StatsScale) Standardisation(int maxExamples = 3000)
    {
        int f = FeatureSchema.FrameFeatureCount, s = FeatureSchema.WindowFeatureCount;
        var fs = new double[f]; var fq = new double[f]; long fn = 0;
        var ss = new double[s]; var sq = new double[s]; long sn = 0;
        int step = Math.Max(1, Count / maxExamples);
        var seenClips = new HashSet<int>();
        for (int i = 0; i < Count; i += step)
        {
            var (c, u) = _examples[i];
            var st = _clips[c].UpdateStats(u);
            for (int k = 0; k < s; k++) { ss[k] += st[k]; sq[k] += (double)st[k] * st[k]; }
            sn++;
            if (!seenClips.Add(c)) continue;
            var frames = _clips[c].Frames;
            for (int r = 0; r < _clips[c].FrameCount; r++)
                for (int k = 0; k < f; k++) { double v = frames[r * f + k]; fs[k] += v; fq[k] += v * v; }
            fn += _clips[c].FrameCount;
        }
        static (float[], float[]) Finish(double[] sum, double[] squares, long n)
        {
            var mean = new float[sum.Length];
            var scale = new float[sum.Length];
            for (int k = 0; k < sum.Length; k++)
            {
                double m = sum[k] / Math.Max(1, n);
                double std = Math.Sqrt(Math.Max(0, squares[k] / Math.Max(1, n) - m * m));
                mean[k] = (float)m;
                scale[k] = std > 1e-6 ? (float)(1 / std) : 1f;
            }
            return (mean, scale);
        }
        var (frameMean, frameScale) = Finish(fs, fq, fn);
        var (statsMean, statsScale) = Finish(ss, sq, sn);
        return (frameMean, frameScale, statsMean, statsScale);
    }
}

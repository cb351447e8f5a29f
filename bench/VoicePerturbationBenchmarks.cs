using BenchmarkDotNet.Attributes;
using VoiceEmotion.Training.Channels;

namespace VoiceEmotion.Bench;

/// <summary>What each speaker-variety perturbation of a training draw costs per clip (a 3.5 s synthetic voice at
/// 16 kHz): the tempo's stretch (on in the shipped recipe, every session), the habitual-pitch shift (<c>--pitch</c>), the
/// intonation-range scaling (<c>--pitch-range</c>) and the loudness-dynamics scaling (<c>--dynamics</c>), each at a
/// factor inside its recipe range. The stretch is the baseline: a draw already pays it for every clip.</summary>
[MemoryDiagnoser, MedianColumn]
public class VoicePerturbationBenchmarks
{
    private float[] _clip = null!;

    [GlobalSetup]
    public void Setup() => _clip = SyntheticSpeech.GenerateContinuous(16000 * 7 / 2);

    [Benchmark(Baseline = true)]
    public float[] Tempo() => LineSimulator.Stretch(_clip, 1.2);

    [Benchmark]
    public float[] HabitualPitch() => LineSimulator.ShiftPitchKeepingFormants(_clip, 2);

    [Benchmark]
    public float[] IntonationRange() => LineSimulator.ScalePitchRange(_clip, 1.4);

    [Benchmark]
    public float[] LoudnessDynamics() => LineSimulator.ScaleDynamics(_clip, 1.4);
}

using BenchmarkDotNet.Attributes;
using NWaves.Operations;
using NWaves.Operations.Tsm;
using NWaves.Signals;
using Wsola = VoiceEmotion.Training.Channels.Wsola;

namespace VoiceEmotion.Bench;

/// <summary>Training's tempo perturbation (LineSimulator.Stretch): a 3.5 s clip at 16 kHz time-stretched by WSOLA at
/// the ends of the recipe's range (tempo 1.3 and 1/1.3: stretch 0.77 and 1.3, NWaves' two size brackets there), our
/// <see cref="Wsola"/> (the same algorithm and sizes, the search by dot products) against NWaves'
/// Operation.TimeStretch, which did it before stop 62.</summary>
[MemoryDiagnoser, MedianColumn]
public class TimeStretchBenchmarks
{
    private const int Rate = 16000;
    private float[] _clip = null!;
    private DiscreteSignal _signal = null!;

    [Params(0.77, 1.3)]
    public double Stretch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clip = SyntheticSpeech.GenerateContinuous(Rate * 7 / 2);
        _signal = new DiscreteSignal(Rate, _clip);
    }

    [Benchmark(Baseline = true)]
    public float[] NWavesWsola() => Operation.TimeStretch(_signal, Stretch, TsmAlgorithm.Wsola).Samples;

    [Benchmark]
    public float[] Ours() => Wsola.Stretch(_clip, Stretch, Rate);
}

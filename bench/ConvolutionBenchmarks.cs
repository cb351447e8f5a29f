using BenchmarkDotNet.Attributes;
using NWaves.Operations;
using NWaves.Signals;
using VoiceEmotion.Pipeline.Dsp;

namespace VoiceEmotion.Bench;

/// <summary>Training's room reverberation (LineSimulator.Reverberate): a 3.5 s clip at 16 kHz convolved with a room
/// response of 0.3 s or 1 s (RT60 0.25 / ≥ 0.83 s; the recipe draws 0.15–0.8 s, responses 1.2 × RT60 up to 1 s),
/// our FFT convolution against NWaves' Operation.Convolve, which did it before.</summary>
[MemoryDiagnoser, MedianColumn]
public class ConvolutionBenchmarks
{
    private const int Rate = 16000;
    private float[] _clip = null!, _room = null!;
    private DiscreteSignal _clipSignal = null!, _roomSignal = null!;

    [Params(0.3, 1.0)]
    public double RoomSeconds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clip = SyntheticSpeech.GenerateContinuous(Rate * 7 / 2);
        var random = new Random(7);
        _room = new float[(int)(RoomSeconds * Rate)];
        _room[0] = 1;
        for (int n = 64; n < _room.Length; n++) _room[n] = (float)((random.NextDouble() - 0.5) * 0.3 * Math.Exp(-6.91 * n / (0.8 * Rate)));
        _clipSignal = new DiscreteSignal(Rate, _clip);
        _roomSignal = new DiscreteSignal(Rate, _room);
    }

    [Benchmark(Baseline = true)]
    public float[] NWavesConvolve() => Operation.Convolve(_clipSignal, _roomSignal).Samples;

    [Benchmark]
    public float[] Ours() => FftConvolution.Convolve(_clip, _room, _clip.Length);
}

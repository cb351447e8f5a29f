using VoiceEmotion.Pipeline.Audio;

namespace VoiceEmotion.Training;

/// <summary>Audio-domain augmentation variants; variant 0 is the clean clip. Deterministic for a seed.</summary>
public static class Augmentation
{
    public static IReadOnlyList<string> Names { get; } = ["clean", "telephone", "noise+gain", "speed0.9", "speed1.1", "telephone+noise"];

    public static float[] Apply(int variant, float[] audio16k, Random random) => Names[variant] switch
    {
        "clean" => audio16k,
        "telephone" => TelephoneChannel.Apply(audio16k),
        "noise+gain" => NoiseAndGain(audio16k, random),
        "speed0.9" => Speed(audio16k, 0.9),
        "speed1.1" => Speed(audio16k, 1.1),
        "telephone+noise" => TelephoneChannel.Apply(NoiseAndGain(audio16k, random)),
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>Speed perturbation (tempo and pitch together) by resampling: factor 1.1 is 10 % faster and higher.</summary>
    public static float[] Speed(float[] audio16k, double factor) =>
        Resampler.Resample(audio16k, (int)Math.Round(Resampler.TargetRate * factor), Resampler.TargetRate);

    /// <summary>White noise at a random SNR of 5–30 dB against the louder half of the clip, and a random gain of −12…+6 dB.</summary>
    public static float[] NoiseAndGain(float[] audio16k, Random random)
    {
        var frameEnergies = new List<double>();
        for (int i = 0; i + 400 <= audio16k.Length; i += 400)
        {
            double e = 0;
            for (int j = i; j < i + 400; j++) e += audio16k[j] * audio16k[j];
            frameEnergies.Add(e / 400);
        }
        frameEnergies.Sort();
        double speech = frameEnergies.Count == 0 ? 1e-4 : frameEnergies.Skip(frameEnergies.Count / 2).DefaultIfEmpty(1e-4).Average();
        double snrDb = 5 + random.NextDouble() * 25;
        double noiseRms = Math.Sqrt(speech / Math.Pow(10, snrDb / 10));
        double gain = Math.Pow(10, (-12 + random.NextDouble() * 18) / 20);
        var output = new float[audio16k.Length];
        for (int i = 0; i < output.Length; i++)
        {
            double noise = (random.NextDouble() * 2 - 1) * noiseRms * Math.Sqrt(3);
            output[i] = (float)Math.Clamp((audio16k[i] + noise) * gain, -1, 1);
        }
        return output;
    }
}

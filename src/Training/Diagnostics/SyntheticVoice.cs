using VoiceEmotion.Pipeline.Features;

namespace VoiceEmotion.Training.Diagnostics;

/// <summary>
/// A vowel-like voice whose fundamental and voicing are known sample by sample, to score the pitch tracker against the
/// truth rather than against its own output on clean speech. Voiced stretches of 0.3–0.9 s (each a new vowel: three
/// formants) alternate with silent pauses of 0.08–0.25 s (about a fifth of the time). The register is drawn per voice
/// (a median f0 of 90–250 Hz, log-uniform), each stretch sits up to 0.4 octave from it and glides by up to ±0.2 octave,
/// with a slight 5 Hz vibrato; its level falls up to 8 dB a stretch and dips 6–18 dB between syllables (3–5 a second),
/// so soft voiced frames are there to be lost; the source is every harmonic below 7 kHz falling 6 dB an octave, shaped by the formants'
/// resonances, with breath noise 30 dB down. Each stretch fades in and out over 20 ms; those fades count as neither
/// voiced nor unvoiced.
/// </summary>
public sealed class SyntheticVoice
{
    private const int Rate = FeatureSchema.SampleRate;
    private const double MaxHarmonicHz = 7000;
    private const double FadeSeconds = 0.02;
    private const int Block = 80; // harmonic amplitudes are refreshed every 5 ms

    private SyntheticVoice(float[] audio, float[] f0Hz, sbyte[] truth, double registerHz)
    {
        Audio = audio;
        F0Hz = f0Hz;
        Truth = truth;
        RegisterHz = registerHz;
    }

    /// <summary>16 kHz samples, active speech near −25 dBFS.</summary>
    public float[] Audio { get; }

    /// <summary>The fundamental at each sample (0 in pauses).</summary>
    public float[] F0Hz { get; }

    /// <summary>Per sample: 1 voiced (inside a stretch, past its fades), 0 a pause, −1 a fade (judged neither way).</summary>
    public sbyte[] Truth { get; }

    /// <summary>The voice's median fundamental.</summary>
    public double RegisterHz { get; }

    public static SyntheticVoice Create(Random random, double seconds = 3) => Create(random, seconds, sounding: 1);

    /// <summary><paramref name="sounding"/>: the audio's fundamental as a multiple of the truth's (1 but in tests of a
    /// checker, which must count a voice that sounds an octave off as wrong).</summary>
    internal static SyntheticVoice Create(Random random, double seconds, double sounding)
    {
        if (seconds <= 0) throw new ArgumentOutOfRangeException(nameof(seconds), "a voice needs a positive length");
        double U(double lo, double hi) => lo + random.NextDouble() * (hi - lo);
        int n = (int)(seconds * Rate);
        var audio = new float[n];
        var f0 = new float[n];
        var truth = new sbyte[n];
        var envelopes = new float[n];
        double register = Math.Exp(U(Math.Log(90), Math.Log(250)));
        double phase = 0;
        int fade = (int)(FadeSeconds * Rate);
        int at = (int)(U(0.08, 0.25) * Rate); // a pause first
        var amplitudes = new double[(int)(MaxHarmonicHz / 50) + 1];
        while (at < n)
        {
            int length = Math.Min(n - at, (int)(U(0.3, 0.9) * Rate));
            double offset = U(-0.4, 0.4), glide = U(-0.2, 0.2), vibratoPhase = U(0, 2 * Math.PI);
            // Loudness: the stretch up to 8 dB down, and syllables — dips of 6–18 dB at 3–5 a second.
            double stretchDb = U(-8, 0), syllableDb = U(6, 18), syllableHz = U(3, 5), syllablePhase = U(0, 2 * Math.PI);
            (double Hz, double Bandwidth)[] formants =
                [(U(300, 850), U(60, 120)), (U(900, 2300), U(80, 160)), (U(2300, 3200), U(120, 220))];
            int harmonics = 0;
            for (int i = 0; i < length; i++)
            {
                double t = (double)i / length;
                double octaves = Math.Clamp(offset + glide * (t - 0.5) + 0.01 * Math.Sin(vibratoPhase + 2 * Math.PI * 5 * i / Rate), -0.4, 0.4);
                double hz = register * Math.Pow(2, octaves);
                if (i % Block == 0) harmonics = Amplitudes(hz * sounding, formants, amplitudes);
                phase += 2 * Math.PI * hz * sounding / Rate;
                if (phase > 2 * Math.PI) phase -= 2 * Math.PI;
                double s = 0;
                for (int k = 1; k <= harmonics; k++) s += amplitudes[k] * Math.Sin(k * phase);
                double envelope = i < fade ? 0.5 - 0.5 * Math.Cos(Math.PI * i / fade)
                    : i >= length - fade ? 0.5 - 0.5 * Math.Cos(Math.PI * (length - 1 - i) / fade) : 1;
                envelope *= Math.Pow(10, (stretchDb - syllableDb * (0.5 - 0.5 * Math.Cos(syllablePhase + 2 * Math.PI * syllableHz * i / Rate))) / 20);
                audio[at + i] = (float)(envelope * s);
                envelopes[at + i] = (float)envelope;
                f0[at + i] = (float)hz;
                truth[at + i] = (sbyte)(i >= fade && i < length - fade ? 1 : -1);
            }
            at += length + (int)(U(0.08, 0.25) * Rate);
        }
        // Scale the voiced part to -25 dBFS RMS, then breath noise 30 dB below it wherever the voice sounds.
        double power = 0;
        int voiced = 0;
        for (int i = 0; i < n; i++)
            if (truth[i] == 1) { power += audio[i] * (double)audio[i]; voiced++; }
        double gain = voiced == 0 ? 0 : Math.Pow(10, -25 / 20.0) / Math.Sqrt(power / voiced);
        double breath = Math.Pow(10, -55 / 20.0) * Math.Sqrt(3); // uniform noise of that RMS
        for (int i = 0; i < n; i++)
            if (envelopes[i] > 0) audio[i] = (float)(audio[i] * gain + breath * envelopes[i] * (2 * random.NextDouble() - 1));
        return new SyntheticVoice(audio, f0, truth, register);
    }

    // Every harmonic of hz below MaxHarmonicHz: 1/k (the source with lip radiation) times the three resonances' gain
    // (1 at 0 Hz); returns how many.
    private static int Amplitudes(double hz, (double Hz, double Bandwidth)[] formants, double[] amplitudes)
    {
        int count = Math.Min(amplitudes.Length - 1, (int)(MaxHarmonicHz / hz));
        for (int k = 1; k <= count; k++)
        {
            double f = k * hz, gain = 1.0 / k;
            foreach (var (fc, bw) in formants) gain *= fc * fc / Math.Sqrt(Math.Pow(fc * fc - f * f, 2) + Math.Pow(bw * f, 2));
            amplitudes[k] = gain;
        }
        return count;
    }
}

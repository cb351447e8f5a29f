using System.Globalization;

namespace VoiceEmotion.Training.Channels;

/// <summary>Speech codecs a simulated line can carry.</summary>
public enum LineCodec { None, MuLaw, ALaw, G722, Opus, Gsm }

/// <summary>Stationary noises a simulated line can add.</summary>
public enum NoiseKind { None, White, Pink, Brown, Hum, LowPass }

/// <summary>
/// Everything a call's channel does to the voice, from the speaker's mouth to our decoder: voice perturbation (speed,
/// pitch), the room (reverberation), the surroundings (background talkers, stationary noise), the microphone and line
/// (EQ tilt, band limits, level and clipping), the codec and lost packets. One condition holds for a whole session;
/// its random parts (which noise, which talkers, which packets) are drawn per clip by <see cref="LineSimulator"/>.
/// </summary>
public sealed record LineCondition
{
    public double Speed { get; init; } = 1;
    public double PitchSemitones { get; init; }
    public double ReverbRt60Seconds { get; init; }
    /// <summary>Direct-to-reverberant ratio of the synthetic room response.</summary>
    public double ReverbDrrDb { get; init; } = 6;
    /// <summary>Background talkers (babble of other speakers); 0 = none.</summary>
    public int BabbleTalkers { get; init; }
    public double BabbleSnrDb { get; init; } = 20;
    public NoiseKind Noise { get; init; }
    public double NoiseSnrDb { get; init; } = 20;
    /// <summary>High-shelf gain at 1.5 kHz: negative = dull microphone, positive = bright/tinny.</summary>
    public double TiltDb { get; init; }
    public double HighPassHz { get; init; }
    public double LowPassHz { get; init; }
    public double LevelDb { get; init; }
    public LineCodec Codec { get; init; }
    public int OpusBitRate { get; init; } = 8000;
    /// <summary>Share of 20 ms packets lost.</summary>
    public double PacketLoss { get; init; }
    /// <summary>Lost packets replay the previous one (attenuated) instead of silence.</summary>
    public bool RepeatConcealment { get; init; }

    public static LineCondition Clean { get; } = new();

    /// <summary>The evaluation matrix: every model is scored under each of these (<c>evaluate --condition NAME</c>).</summary>
    public static IReadOnlyDictionary<string, LineCondition> Named { get; } = new Dictionary<string, LineCondition>
    {
        ["clean"] = Clean,
        ["g711"] = new() { Codec = LineCodec.MuLaw, HighPassHz = 300, LowPassHz = 3400 },
        ["g722"] = new() { Codec = LineCodec.G722, HighPassHz = 50, LowPassHz = 7000 },
        ["opus8"] = new() { Codec = LineCodec.Opus, OpusBitRate = 8000 },
        ["gsm"] = new() { Codec = LineCodec.Gsm, HighPassHz = 300, LowPassHz = 3400 },
        ["babble10"] = new() { BabbleTalkers = 6, BabbleSnrDb = 10 },
        ["babble20"] = new() { BabbleTalkers = 6, BabbleSnrDb = 20 },
        ["level-20"] = new() { LevelDb = -20 },
        ["loss5"] = new() { PacketLoss = 0.05 },
        ["reverb"] = new() { ReverbRt60Seconds = 0.6, ReverbDrrDb = 3 },
        // The issue's "realistic line": all of the hard parts at once.
        ["phone-mix"] = new()
        {
            BabbleTalkers = 6, BabbleSnrDb = 15, Codec = LineCodec.Gsm, HighPassHz = 200, LowPassHz = 3200, LevelDb = -12,
            PacketLoss = 0.02, RepeatConcealment = true,
        },
    };

    /// <summary>The names of the evaluation matrix in report order.</summary>
    public static IReadOnlyList<string> MatrixNames { get; } = [.. Named.Keys];

    /// <summary>Looks a named condition up, or explains which names exist.</summary>
    public static LineCondition Get(string name) => Named.TryGetValue(name, out var c)
        ? c
        : throw new ArgumentException($"unknown condition '{name}': expected one of {string.Join(", ", Named.Keys)}");

    /// <summary>Share of training sessions <see cref="Draw"/> leaves clean by default.</summary>
    public const double DefaultCleanShare = 0.12;

    /// <summary>Share of the lines <see cref="Draw"/> does not leave clean that carry background talkers by default (3–7 other
    /// training speakers at 0–25 dB SNR).</summary>
    public const double DefaultBabbleShare = 0.35;

    /// <summary>The codecs of a telephone line: 8 kHz, 300–3400 Hz (G.711 μ-law and A-law, GSM full rate).</summary>
    public static IReadOnlyList<LineCodec> PhoneCodecs { get; } = [LineCodec.MuLaw, LineCodec.ALaw, LineCodec.Gsm];

    /// <summary>A random real-line condition for training (clean with probability <paramref name="cleanShare"/>); each part
    /// is present with its own probability. <paramref name="phoneOnly"/>: never clean, always a telephone codec
    /// (<see cref="PhoneCodecs"/>) with its band limits, the other parts drawn as for any line — the lines a phone bridge
    /// delivers. Without it the draws are exactly those before the option existed. <paramref name="babbleShare"/>: the
    /// probability that a line not left clean carries background talkers; at its default the draws are exactly those before
    /// it could be set.</summary>
    public static LineCondition Draw(Random r, double cleanShare = DefaultCleanShare, bool phoneOnly = false, double babbleShare = DefaultBabbleShare)
    {
        if (!phoneOnly && r.NextDouble() < cleanShare) return Clean;
        double U(double lo, double hi) => lo + r.NextDouble() * (hi - lo);
        bool P(double p) => r.NextDouble() < p;
        var codec = phoneOnly ? PhoneCodecs[r.Next(PhoneCodecs.Count)] : P(0.6) ? (LineCodec)(1 + r.Next(5)) : LineCodec.None;
        bool narrow = PhoneCodecs.Contains(codec);
        double lowPass = narrow ? U(3000, 3600) : P(0.35) ? U(3000, 7500) : 0;
        double highPass = narrow ? U(100, 300) : P(0.4) ? U(50, 300) : 0;
        return new LineCondition
        {
            Speed = P(0.3) ? U(0.9, 1.1) : 1,
            PitchSemitones = P(0.15) ? U(-1.5, 1.5) : 0,
            ReverbRt60Seconds = P(0.3) ? U(0.15, 0.8) : 0,
            ReverbDrrDb = U(-2, 12),
            BabbleTalkers = P(babbleShare) ? r.Next(3, 8) : 0,
            BabbleSnrDb = U(0, 25),
            Noise = P(0.4) ? (NoiseKind)(1 + r.Next(5)) : NoiseKind.None,
            NoiseSnrDb = U(5, 30),
            TiltDb = P(0.3) ? U(-6, 6) : 0,
            HighPassHz = highPass,
            LowPassHz = lowPass,
            LevelDb = P(0.7) ? U(-30, 6) : 0,
            Codec = codec,
            OpusBitRate = 1000 * r.Next(6, 17),
            PacketLoss = P(0.25) ? U(0, 0.1) : 0,
            RepeatConcealment = P(0.5),
        };
    }

    /// <summary>A short human-readable description of what is applied.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        if (Speed != 1) parts.Add($"speed {F(Speed)}");
        if (PitchSemitones != 0) parts.Add($"pitch {F(PitchSemitones)} st");
        if (ReverbRt60Seconds > 0) parts.Add($"reverb RT60 {F(ReverbRt60Seconds)} s DRR {F(ReverbDrrDb)} dB");
        if (BabbleTalkers > 0) parts.Add($"{BabbleTalkers} talkers at {F(BabbleSnrDb)} dB SNR");
        if (Noise != NoiseKind.None) parts.Add($"{Noise.ToString().ToLowerInvariant()} noise at {F(NoiseSnrDb)} dB SNR");
        if (TiltDb != 0) parts.Add($"tilt {F(TiltDb)} dB");
        if (HighPassHz > 0 || LowPassHz > 0) parts.Add($"band {F(HighPassHz)}–{(LowPassHz > 0 ? F(LowPassHz) : "8000")} Hz");
        if (LevelDb != 0) parts.Add($"level {F(LevelDb)} dB");
        if (Codec != LineCodec.None) parts.Add(Codec == LineCodec.Opus ? $"Opus {OpusBitRate / 1000} kbit/s" : Codec.ToString());
        if (PacketLoss > 0) parts.Add($"{F(PacketLoss * 100)} % packets lost ({(RepeatConcealment ? "repeat" : "silence")})");
        return parts.Count == 0 ? "clean" : string.Join(", ", parts);
    }
}

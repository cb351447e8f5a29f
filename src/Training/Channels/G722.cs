namespace VoiceEmotion.Training.Channels;

/// <summary>ITU-T G.722 sub-band ADPCM encoder: 16 kHz 16-bit PCM in, one byte per pair of samples out.</summary>
/// <remarks>At 56 and 48 kbit/s the low-band bits the standard gives to the auxiliary data channel are sent as zeros.</remarks>
public sealed class G722Encoder
{
    private readonly int _lowMask;
    private readonly int[] _history = new int[G722Tables.QmfTaps];
    private readonly G722SubBand _low = new(G722SubBand.Kind.Low);
    private readonly G722SubBand _high = new(G722SubBand.Kind.High);

    public G722Encoder(int bitRate = 64000) => _lowMask = G722Tables.LowBandMask(bitRate);

    /// <summary>Encodes an even number of samples; returns the number of bytes written (half the sample count).</summary>
    public int Encode(ReadOnlySpan<short> pcm16k, Span<byte> output)
    {
        if ((pcm16k.Length & 1) != 0)
            throw new ArgumentException("G.722 codes samples in pairs; pass an even number of samples.", nameof(pcm16k));
        int pairs = pcm16k.Length / 2;
        if (output.Length < pairs)
            throw new ArgumentException($"Output needs {pairs} bytes, has {output.Length}.", nameof(output));

        var h = G722Tables.Qmf;
        var x = _history;
        for (int n = 0; n < pairs; n++)
        {
            x.AsSpan(2).CopyTo(x);
            x[^2] = pcm16k[2 * n];
            x[^1] = pcm16k[2 * n + 1];

            // x[^1] is the newest sample: even taps see even lags, odd taps odd lags, which splits the
            // filter into the two polyphase halves whose sum and difference are the two sub-bands.
            int evenSum = 0, oddSum = 0;
            for (int k = 0; k < G722Tables.QmfTaps; k += 2)
            {
                evenSum += h[k] * x[^(k + 1)];
                oddSum += h[k + 1] * x[^(k + 2)];
            }
            // Taps sum to 2^13, so the extra bit of shift halves 16-bit input into the 15-bit range the
            // sub-band ADPCM (and its +-16384 reconstruction limits) is specified for.
            int lowIn = (evenSum + oddSum) >> 14;
            int highIn = (evenSum - oddSum) >> 14;

            int lowCode = _low.QuantiseLow(lowIn);
            int highCode = _high.QuantiseHigh(highIn);
            output[n] = (byte)((highCode << 6) | (lowCode & _lowMask));
        }
        return pairs;
    }

    public void Reset()
    {
        Array.Clear(_history);
        _low.Reset();
        _high.Reset();
    }
}

/// <summary>ITU-T G.722 sub-band ADPCM decoder: one byte in, two 16 kHz 16-bit samples out.</summary>
/// <remarks>The 56 and 48 kbit/s modes ignore one or two low-band LSBs, so any G.722 stream decodes in any mode.</remarks>
public sealed class G722Decoder
{
    private readonly int _dropBits;
    private readonly short[] _lowTable;
    private readonly int[] _sum = new int[G722Tables.QmfTaps / 2];
    private readonly int[] _difference = new int[G722Tables.QmfTaps / 2];
    private readonly G722SubBand _low = new(G722SubBand.Kind.Low);
    private readonly G722SubBand _high = new(G722SubBand.Kind.High);

    public G722Decoder(int bitRate = 64000)
    {
        _ = G722Tables.LowBandMask(bitRate);
        _dropBits = (64000 - bitRate) / 8000;
        _lowTable = _dropBits switch { 0 => G722Tables.Qm6, 1 => G722Tables.Qm5, _ => G722Tables.Qm4 };
    }

    /// <summary>Decodes every byte of <paramref name="input"/>; returns the number of samples written (twice the byte count).</summary>
    public int Decode(ReadOnlySpan<byte> input, Span<short> pcm16k)
    {
        if (pcm16k.Length < 2 * input.Length)
            throw new ArgumentException($"Output needs {2 * input.Length} samples, has {pcm16k.Length}.", nameof(pcm16k));

        var h = G722Tables.Qmf;
        for (int n = 0; n < input.Length; n++)
        {
            int lowCode = input[n] & 0x3F;
            int highCode = input[n] >> 6;

            int lowOut = Math.Clamp(_low.Estimate + ((_low.Scale * _lowTable[lowCode >> _dropBits]) >> 15), -16384, 16383);
            _low.AdaptLow(lowCode);
            int highOut = Math.Clamp(_high.Estimate + _high.AdaptHigh(highCode), -16384, 16383);

            _sum.AsSpan(1).CopyTo(_sum);
            _difference.AsSpan(1).CopyTo(_difference);
            _sum[^1] = lowOut + highOut;
            _difference[^1] = lowOut - highOut;

            // The difference feeds the even-tap phase (first output sample), the sum the odd-tap phase.
            // Gain: half the taps sum to 2^12 and the bands carry half amplitude, hence the shift by 11.
            int first = 0, second = 0;
            for (int i = 0; i < G722Tables.QmfTaps / 2; i++)
            {
                first += h[2 * i] * _difference[^(i + 1)];
                second += h[2 * i + 1] * _sum[^(i + 1)];
            }
            pcm16k[2 * n] = G722Tables.Saturate(first >> 11);
            pcm16k[2 * n + 1] = G722Tables.Saturate(second >> 11);
        }
        return 2 * input.Length;
    }

    public void Reset()
    {
        Array.Clear(_sum);
        Array.Clear(_difference);
        _low.Reset();
        _high.Reset();
    }
}

/// <summary>G.722 helpers for simulating a wideband VoIP line on float audio.</summary>
public static class G722
{
    public const int SampleRate = 16000;

    /// <summary>Samples of delay through the QMF analysis plus synthesis pair. The cascaded filters' group
    /// delay is 23, but the standard pairs each sample with the one before it, which lands the output at 22.</summary>
    internal const int CodecDelay = G722Tables.QmfTaps - 2;

    /// <summary>Encodes and decodes 16 kHz float audio (clamped to 16 bits) through fresh codec state; the
    /// QMF delay (22 samples) is removed, so output sample i lines up with input sample i and the length is kept.</summary>
    public static float[] RoundTrip(ReadOnlySpan<float> audio16k, int bitRate = 64000)
    {
        var encoder = new G722Encoder(bitRate);
        var decoder = new G722Decoder(bitRate);

        // Zeros after the input flush the filters so the last CodecDelay samples come out too.
        int total = audio16k.Length + CodecDelay;
        total += total & 1;
        var pcm = new short[total];
        for (int i = 0; i < audio16k.Length; i++)
            pcm[i] = (short)Math.Clamp(MathF.Round(audio16k[i] * 32768f), short.MinValue, short.MaxValue);

        var bytes = new byte[total / 2];
        encoder.Encode(pcm, bytes);
        decoder.Decode(bytes, pcm);

        var result = new float[audio16k.Length];
        for (int i = 0; i < result.Length; i++)
            result[i] = pcm[i + CodecDelay] / 32768f;
        return result;
    }
}

/// <summary>One sub-band's ADPCM state, shared by encoder and decoder so both track identical predictions.</summary>
internal sealed class G722SubBand
{
    internal enum Kind { Low, High }

    private readonly Kind _kind;
    private int _logScale;
    private int _zeroEstimate;
    private int _pole1, _pole2;
    private int _recon1, _recon2;
    private int _partial1, _partial2;
    private readonly int[] _zeros = new int[6];
    private readonly int[] _pastDiffs = new int[6];

    public G722SubBand(Kind kind)
    {
        _kind = kind;
        Reset();
    }

    /// <summary>Predicted sample value (the pole plus zero section outputs).</summary>
    public int Estimate { get; private set; }

    /// <summary>Quantiser step size in the linear domain.</summary>
    public int Scale { get; private set; }

    public void Reset()
    {
        _logScale = 0;
        Scale = _kind == Kind.Low ? G722Tables.MinLowScale : G722Tables.MinHighScale;
        Estimate = _zeroEstimate = 0;
        _pole1 = _pole2 = _recon1 = _recon2 = _partial1 = _partial2 = 0;
        Array.Clear(_zeros);
        Array.Clear(_pastDiffs);
    }

    /// <summary>Picks the 6-bit low-band code for one sample and updates the state as a decoder would.</summary>
    public int QuantiseLow(int input)
    {
        int error = G722Tables.Saturate(input - Estimate);
        // One's-complement magnitude keeps -x-1 and x in the same interval, as the standard's comparison does.
        int magnitude = error >= 0 ? error : -(error + 1);
        var levels = G722Tables.Q6;
        int interval = 1;
        while (interval < 30 && magnitude >= ((levels[interval] * Scale) >> 12))
            interval++;
        int code = error < 0 ? G722Tables.LowNegativeCodes[interval] : G722Tables.LowPositiveCodes[interval];
        AdaptLow(code);
        return code;
    }

    /// <summary>Picks the 2-bit high-band code for one sample and updates the state as a decoder would.</summary>
    public int QuantiseHigh(int input)
    {
        int error = G722Tables.Saturate(input - Estimate);
        int magnitude = error >= 0 ? error : -(error + 1);
        bool outer = magnitude >= ((G722Tables.HighDecisionLevel * Scale) >> 12);
        int code = error < 0 ? (outer ? 0 : 1) : (outer ? 2 : 3);
        AdaptHigh(code);
        return code;
    }

    /// <summary>Adapts on the 4 most significant bits only, which is what keeps 56/48 kbit/s decoders in step.</summary>
    public void AdaptLow(int code6)
    {
        int code4 = code6 >> 2;
        int diff = (Scale * G722Tables.Qm4[code4]) >> 15;
        AdaptScale(G722Tables.LowLogSteps[G722Tables.LowMagnitudeOf4[code4]], G722Tables.MaxLowLogScale, 8);
        AdaptPredictor(diff);
    }

    /// <summary>Returns the quantised difference, which the decoder also needs for its output.</summary>
    public int AdaptHigh(int code2)
    {
        int diff = (Scale * G722Tables.Qm2[code2]) >> 15;
        AdaptScale(G722Tables.HighLogSteps[G722Tables.HighMagnitudeOf2[code2]], G722Tables.MaxHighLogScale, 10);
        AdaptPredictor(diff);
        return diff;
    }

    private void AdaptScale(int step, int maxLog, int shiftBase)
    {
        // Leaky log-domain integrator (leak 127/128) so the step size forgets old loudness.
        _logScale = Math.Clamp(((_logScale * 127) >> 7) + step, 0, maxLog);
        // Log scale is in units of 1/2048 octave: 5 fraction bits index the 2^(i/32) table, the rest shift.
        int mantissa = G722Tables.Ilb[(_logScale >> 6) & 31];
        int shift = shiftBase - (_logScale >> 11);
        Scale = (shift < 0 ? mantissa << -shift : mantissa >> shift) << 2;
    }

    private void AdaptPredictor(int diff)
    {
        int recon = G722Tables.Saturate(Estimate + diff);
        int partial = G722Tables.Saturate(_zeroEstimate + diff);

        // Sign-sign adaptation of the poles, driven by the partial reconstruction so the pole section
        // does not chase its own output; the limits keep the 2-pole filter inside the stability triangle.
        bool neg0 = partial < 0, neg1 = _partial1 < 0, neg2 = _partial2 < 0;
        int f = G722Tables.Saturate(_pole1 << 2);
        int g = neg0 == neg1 ? -f : f;
        if (g > short.MaxValue) g = short.MaxValue;
        int pole2 = (g >> 7) + (neg0 == neg2 ? 128 : -128) + ((_pole2 * 32512) >> 15);
        pole2 = Math.Clamp(pole2, -12288, 12288);

        int pole1 = G722Tables.Saturate((neg0 == neg1 ? 192 : -192) + ((_pole1 * 32640) >> 15));
        int pole1Limit = G722Tables.Saturate(15360 - pole2);
        pole1 = Math.Clamp(pole1, -pole1Limit, pole1Limit);

        // Zero coefficients leak towards 0 and step by 2^-8 towards agreement of difference signs;
        // a zero difference carries no sign information, so only the leak applies.
        int zeroStep = diff == 0 ? 0 : 128;
        bool diffNegative = diff < 0;
        var zeros = _zeros;
        var past = _pastDiffs;
        for (int i = 0; i < 6; i++)
        {
            int step = (past[i] < 0) == diffNegative ? zeroStep : -zeroStep;
            zeros[i] = G722Tables.Saturate(step + ((zeros[i] * 32640) >> 15));
        }

        for (int i = 5; i > 0; i--) past[i] = past[i - 1];
        past[0] = diff;
        _recon2 = _recon1;
        _recon1 = recon;
        _partial2 = _partial1;
        _partial1 = partial;
        _pole1 = pole1;
        _pole2 = pole2;

        int poleOut = G722Tables.Saturate(
            ((pole1 * G722Tables.Saturate(_recon1 + _recon1)) >> 15) +
            ((pole2 * G722Tables.Saturate(_recon2 + _recon2)) >> 15));
        int zeroOut = 0;
        for (int i = 0; i < 6; i++)
            zeroOut += (zeros[i] * G722Tables.Saturate(past[i] + past[i])) >> 15;

        _zeroEstimate = G722Tables.Saturate(zeroOut);
        Estimate = G722Tables.Saturate(poleOut + _zeroEstimate);
    }
}

/// <summary>Constants of ITU-T G.722 (1988), section 6 and its tables.</summary>
internal static class G722Tables
{
    public const int QmfTaps = 24;
    public const int MinLowScale = 32;
    public const int MinHighScale = 8;
    public const int MaxLowLogScale = 18432;
    public const int MaxHighLogScale = 22528;
    public const int HighDecisionLevel = 564;

    /// <summary>Transmit and receive QMF coefficients, scaled by 2^13 (symmetric, so no reversal needed).</summary>
    public static readonly int[] Qmf =
    [
        3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876,
        3876, 951, -805, -210, 362, 32, -156, 12, 53, -11, -11, 3,
    ];

    /// <summary>Low-band decision levels in units of the scale factor / 2^12; entry i is the upper edge of interval i.</summary>
    public static readonly int[] Q6 =
    [
        0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
        786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
    ];

    public static readonly byte[] LowNegativeCodes =
    [
        0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
        18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
    ];

    public static readonly byte[] LowPositiveCodes =
    [
        0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
        46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
    ];

    /// <summary>Inverse quantiser outputs (Q15 multiples of the scale factor) for 6-, 5- and 4-bit low-band codes.</summary>
    public static readonly short[] Qm6 =
    [
        -136, -136, -136, -136, -24808, -21904, -19008, -16704,
        -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
        -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
        -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
        24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
        10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
        4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
        1688, 1360, 1040, 728, 432, 136, -432, -136,
    ];

    public static readonly short[] Qm5 =
    [
        -280, -280, -23352, -17560, -14120, -11664, -9752, -8184,
        -6864, -5712, -4696, -3784, -2960, -2208, -1520, -880,
        23352, 17560, 14120, 11664, 9752, 8184, 6864, 5712,
        4696, 3784, 2960, 2208, 1520, 880, 280, -280,
    ];

    public static readonly short[] Qm4 =
    [
        0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
        20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
    ];

    public static readonly short[] Qm2 = [-7408, -1616, 7408, 1616];

    /// <summary>Magnitude class of a 4-bit low-band code, indexing <see cref="LowLogSteps"/>.</summary>
    public static readonly byte[] LowMagnitudeOf4 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];

    public static readonly short[] LowLogSteps = [-60, -30, 58, 172, 334, 538, 1198, 3042];

    public static readonly byte[] HighMagnitudeOf2 = [2, 1, 2, 1];

    public static readonly short[] HighLogSteps = [0, -214, 798];

    /// <summary>round(2048 * 2^(i/32)): the mantissa of the log-to-linear scale factor conversion.</summary>
    public static readonly short[] Ilb =
    [
        2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
        2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
    ];

    /// <summary>Validates a bit rate and returns the mask of low-band code bits that carry speech at that rate.</summary>
    public static int LowBandMask(int bitRate) => bitRate switch
    {
        64000 => 0x3F,
        56000 => 0x3E,
        48000 => 0x3C,
        _ => throw new ArgumentOutOfRangeException(nameof(bitRate), bitRate,
            "G.722 bit rate must be 64000, 56000 or 48000 bit/s."),
    };

    public static short Saturate(int value) => (short)Math.Clamp(value, short.MinValue, short.MaxValue);
}

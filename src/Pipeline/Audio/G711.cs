namespace VoiceEmotion.Pipeline.Audio;

/// <summary>ITU-T G.711 mu-law and A-law companding (tables built once).</summary>
public static class G711
{
    private static readonly short[] MuLawTable = BuildTable(MuLawDecodeSlow);
    private static readonly short[] ALawTable = BuildTable(ALawDecodeSlow);

    /// <summary>256 decoded values as floats in [-1, 1], indexed by code.</summary>
    internal static readonly float[] MuLawFloat = ToFloat(MuLawTable);

    /// <summary>256 decoded values as floats in [-1, 1], indexed by code.</summary>
    internal static readonly float[] ALawFloat = ToFloat(ALawTable);

    public static short MuLawDecode(byte code) => MuLawTable[code];

    public static short ALawDecode(byte code) => ALawTable[code];

    /// <summary>Encodes a 16-bit linear sample to mu-law (bias 0x84, clip at 32635).</summary>
    public static byte MuLawEncode(short sample)
    {
        const int bias = 0x84, clip = 32635;
        int s = sample;
        int sign = (s >> 8) & 0x80;
        if (sign != 0) s = -s;
        if (s > clip) s = clip;
        s += bias;
        int exponent = 7;
        for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; mask >>= 1) exponent--;
        int mantissa = (s >> (exponent + 3)) & 0x0F;
        return (byte)~(sign | (exponent << 4) | mantissa);
    }

    /// <summary>Encodes a 16-bit linear sample to A-law (13-bit magnitude segments, even bits inverted).</summary>
    public static byte ALawEncode(short sample)
    {
        int s = sample >> 3; // A-law works on 13 bits
        int sign;
        if (s >= 0) sign = 0x80;
        else { sign = 0; s = -s - 1; }
        int code;
        if (s < 32) code = s >> 1;
        else
        {
            int segment = 1;
            for (int v = s >> 5; v > 1; v >>= 1) segment++;
            if (segment > 7) return (byte)((sign | 0x7F) ^ 0x55);
            code = (segment << 4) | ((s >> segment) & 0x0F);
        }
        return (byte)((sign | code) ^ 0x55);
    }

    /// <summary>Float [-1, 1] to mu-law.</summary>
    public static byte MuLawEncode(float sample) => MuLawEncode(ToPcm16(sample));

    /// <summary>Float [-1, 1] to A-law.</summary>
    public static byte ALawEncode(float sample) => ALawEncode(ToPcm16(sample));

    internal static short ToPcm16(float sample)
    {
        float scaled = MathF.Round(sample * 32768f);
        return (short)Math.Clamp(scaled, short.MinValue, short.MaxValue);
    }

    private static short MuLawDecodeSlow(byte code)
    {
        int u = ~code & 0xFF;
        int t = ((u & 0x0F) << 3) + 0x84;
        t <<= (u & 0x70) >> 4;
        return (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }

    private static short ALawDecodeSlow(byte code)
    {
        int a = code ^ 0x55;
        int t = (a & 0x0F) << 4;
        int segment = (a & 0x70) >> 4;
        t = segment switch
        {
            0 => t + 8,
            1 => t + 0x108,
            _ => (t + 0x108) << (segment - 1),
        };
        return (short)((a & 0x80) != 0 ? t : -t);
    }

    private static short[] BuildTable(Func<byte, short> decode)
    {
        var table = new short[256];
        for (int i = 0; i < 256; i++) table[i] = decode((byte)i);
        return table;
    }

    private static float[] ToFloat(short[] table) => Array.ConvertAll(table, v => v / 32768f);
}

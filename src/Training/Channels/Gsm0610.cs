using System.Numerics;
using System.Runtime.CompilerServices;

namespace VoiceEmotion.Training.Channels;

// GSM 06.10 full-rate speech codec (RPE-LTP, 13 kbit/s), written from the ETSI GSM 06.10 description.
// Arithmetic follows the standard's 16-bit fixed-point formulation (section 4.2/4.3), so encoder and
// decoder stay in lock-step and the quantisation artefacts are those a real handset produces.

/// <summary>
/// GSM 06.10 full-rate round trip for simulating mobile-phone lines (8 kHz, 160-sample frames, 33-byte packets).
/// </summary>
public static class Gsm0610
{
    public const int SampleRate = 8000;
    public const int FrameSamples = 160;
    public const int FrameBytes = 33;

    /// <summary>
    /// Encodes and decodes 8 kHz audio in [-1, 1]; the output has the input's length (the last frame is zero-padded).
    /// </summary>
    public static float[] RoundTrip(ReadOnlySpan<float> audio8k)
    {
        var output = new float[audio8k.Length];
        var encoder = new Gsm0610Encoder();
        var decoder = new Gsm0610Decoder();
        Span<short> pcm = stackalloc short[FrameSamples];
        Span<short> decoded = stackalloc short[FrameSamples];
        Span<byte> packet = stackalloc byte[FrameBytes];
        for (int start = 0; start < audio8k.Length; start += FrameSamples)
        {
            int count = Math.Min(FrameSamples, audio8k.Length - start);
            for (int i = 0; i < count; i++) pcm[i] = ToPcm(audio8k[start + i]);
            pcm[count..].Clear();
            encoder.Encode(pcm, packet);
            decoder.Decode(packet, decoded);
            for (int i = 0; i < count; i++) output[start + i] = decoded[i] / 32768f;
        }
        return output;
    }

    private static short ToPcm(float x)
    {
        if (float.IsNaN(x)) return 0;
        float scaled = MathF.Round(x * 32768f);
        return scaled >= 32767f ? (short)32767 : scaled <= -32768f ? (short)-32768 : (short)scaled;
    }
}

/// <summary>
/// GSM 06.10 encoder: 160 16-bit samples at 8 kHz in, one 33-byte 0xD-signature packet out. Keeps state between frames; not thread-safe.
/// </summary>
public sealed class Gsm0610Encoder
{
    // Offset-compensation and pre-emphasis filter memories (4.2.2, 4.2.3).
    private int _z1;
    private int _lz2;
    private int _mp;

    // Lattice memory of the short-term analysis filter.
    private readonly short[] _u = new short[8];

    // Decoded LARs of the previous and current frame, for the coefficient interpolation at frame starts.
    private short[] _larppPrevious = new short[8];
    private short[] _larppCurrent = new short[8];

    // Reconstructed short-term residual: [0, 120) is history for the lag search, [120, 160) the current sub-frame.
    private readonly short[] _dp = new short[Gsm0610Core.HistoryLength + Gsm0610Core.SubframeLength];

    // Scratch buffers, kept to avoid per-frame allocation in long augmentation runs.
    private readonly short[] _signal = new short[Gsm0610.FrameSamples];
    private readonly short[] _excitation = new short[Gsm0610Core.SubframeLength + 10];
    private readonly short[] _prediction = new short[Gsm0610Core.SubframeLength];
    private readonly short[] _scaled = new short[Gsm0610Core.SubframeLength];
    private readonly short[] _weighted = new short[Gsm0610Core.SubframeLength];
    private readonly short[] _rp = new short[8];
    private readonly int[] _acf = new int[9];
    private readonly Gsm0610Frame _frame = new();

    public void Reset()
    {
        _z1 = 0;
        _lz2 = 0;
        _mp = 0;
        Array.Clear(_u);
        Array.Clear(_larppPrevious);
        Array.Clear(_larppCurrent);
        Array.Clear(_dp);
    }

    public void Encode(ReadOnlySpan<short> frame160, Span<byte> packed33)
    {
        if (frame160.Length != Gsm0610.FrameSamples)
            throw new ArgumentException($"A GSM 06.10 frame has {Gsm0610.FrameSamples} samples, got {frame160.Length}.", nameof(frame160));
        if (packed33.Length != Gsm0610.FrameBytes)
            throw new ArgumentException($"A packed GSM 06.10 frame has {Gsm0610.FrameBytes} bytes, got {packed33.Length}.", nameof(packed33));

        var s = _signal;
        Preprocess(frame160, s);
        LpcAnalysis(s, _frame.LarCodes);
        ShortTermAnalysis(_frame.LarCodes, s);

        for (int j = 0; j < 4; j++)
        {
            var d = s.AsSpan(j * Gsm0610Core.SubframeLength, Gsm0610Core.SubframeLength);
            var (lag, gain) = LtpParameters(d);
            _frame.Lags[j] = (short)lag;
            _frame.Gains[j] = (short)gain;

            // Long-term analysis filter: the excitation is what the pitch predictor cannot explain.
            short bp = Gsm0610Core.Qlb[gain];
            var e = _excitation.AsSpan(5, Gsm0610Core.SubframeLength);
            for (int k = 0; k < Gsm0610Core.SubframeLength; k++)
            {
                _prediction[k] = Fx.MultR(bp, _dp[Gsm0610Core.HistoryLength + k - lag]);
                e[k] = Fx.Sub(d[k], _prediction[k]);
            }

            RpeEncode(j);

            // Track the decoder's reconstruction, not the clean residual, so prediction never drifts apart.
            for (int k = 0; k < Gsm0610Core.SubframeLength; k++)
                _dp[Gsm0610Core.HistoryLength + k] = Fx.Add(e[k], _prediction[k]);
            Array.Copy(_dp, Gsm0610Core.SubframeLength, _dp, 0, Gsm0610Core.HistoryLength);
        }

        (_larppPrevious, _larppCurrent) = (_larppCurrent, _larppPrevious);
        _frame.Pack(packed33);
    }

    private void Preprocess(ReadOnlySpan<short> input, short[] s)
    {
        int z1 = _z1, lz2 = _lz2, mp = _mp;
        for (int k = 0; k < input.Length; k++)
        {
            // The standard works on 13-bit PCM; dropping 3 LSBs keeps the filter headroom it was designed for.
            int so = (input[k] >> 3) << 2;

            // Offset compensation: a DC-blocking high-pass whose pole (32735/32768) needs a double-precision state.
            int s1 = so - z1;
            z1 = so;
            int ls2 = s1 << 15;
            int msp = lz2 >> 15;
            int lsp = lz2 - (msp << 15);
            ls2 += Fx.MultR((short)lsp, 32735);
            lz2 = Fx.LAdd(msp * 32735, ls2);
            short sof = Fx.Sat(Fx.LAdd(lz2, 16384) >> 15);

            // Pre-emphasis flattens the spectral tilt so the fixed-point LPC stays well-conditioned.
            s[k] = Fx.Add(sof, Fx.MultR((short)mp, -28180));
            mp = sof;
        }
        _z1 = z1;
        _lz2 = lz2;
        _mp = mp;
    }

    private void LpcAnalysis(short[] s, short[] larc)
    {
        // Autocorrelation with block scaling: the frame is shifted down far enough that the 160-term sums cannot overflow.
        int smax = 0;
        for (int k = 0; k < s.Length; k++) smax = Math.Max(smax, Fx.Abs(s[k]));
        int scalauto = smax == 0 ? 0 : 4 - Fx.Norm(smax << 16);
        if (scalauto > 0)
        {
            short factor = (short)(16384 >> (scalauto - 1));
            for (int k = 0; k < s.Length; k++) s[k] = Fx.MultR(s[k], factor);
        }

        var acf = _acf;
        for (int lag = 0; lag <= 8; lag++)
        {
            long sum = 0;
            for (int i = lag; i < s.Length; i++) sum += s[i] * s[i - lag];
            acf[lag] = Fx.LSat(sum << 1);
        }

        // The standard restores the scale by shifting back, so the analysed signal keeps the rounding of the scaled copy.
        if (scalauto > 0)
            for (int k = 0; k < s.Length; k++) s[k] = Fx.Sat(s[k] << scalauto);

        var r = _rp;
        SchurRecursion(acf, r);

        for (int i = 0; i < 8; i++)
        {
            // Log-area ratios, approximated piecewise-linearly, are far less sensitive to quantisation than r itself.
            int magnitude = Fx.Abs(r[i]);
            if (magnitude < 22118) magnitude >>= 1;
            else if (magnitude < 31130) magnitude -= 11059;
            else magnitude = (magnitude - 26112) << 2;
            short lar = (short)(r[i] < 0 ? -magnitude : magnitude);

            int code = Fx.Mult(Gsm0610Core.A[i], lar);
            code = Fx.Add(Fx.Add((short)code, Gsm0610Core.B[i]), 256) >> 9;
            code = Math.Clamp(code, Gsm0610Core.Mic[i], Gsm0610Core.Mac[i]);
            larc[i] = (short)(code - Gsm0610Core.Mic[i]);
        }
    }

    private static void SchurRecursion(int[] lacf, short[] r)
    {
        if (lacf[0] == 0)
        {
            Array.Clear(r);
            return;
        }

        int shift = Fx.Norm(lacf[0]);
        Span<short> p = stackalloc short[9];
        Span<short> kk = stackalloc short[9];
        for (int i = 0; i <= 8; i++)
        {
            p[i] = (short)(Fx.LSat((long)lacf[i] << shift) >> 16);
            kk[i] = p[i];
        }

        for (int n = 1; n <= 8; n++)
        {
            short absP1 = Fx.Abs(p[1]);
            if (p[0] < absP1)
            {
                // An unstable step can only come from arithmetic limits; zeroing the rest keeps the filter stable.
                for (int i = n - 1; i < 8; i++) r[i] = 0;
                return;
            }

            short rn = Fx.Div(absP1, p[0]);
            if (p[1] > 0) rn = (short)-rn;
            r[n - 1] = rn;
            if (n == 8) return;

            p[0] = Fx.Add(p[0], Fx.MultR(p[1], rn));
            for (int m = 1; m <= 8 - n; m++)
            {
                short pNext = p[m + 1];
                p[m] = Fx.Add(pNext, Fx.MultR(kk[m], rn));
                kk[m] = Fx.Add(kk[m], Fx.MultR(pNext, rn));
            }
        }
    }

    private void ShortTermAnalysis(short[] larc, short[] s)
    {
        Gsm0610Core.DecodeLars(larc, _larppCurrent);
        var rp = _rp;
        for (int segment = 0; segment < 4; segment++)
        {
            var (start, end) = Gsm0610Core.Segment(segment);
            Gsm0610Core.InterpolatedReflection(segment, _larppPrevious, _larppCurrent, rp);
            var u = _u;
            for (int k = start; k < end; k++)
            {
                short di = s[k];
                short sav = di;
                for (int i = 0; i < 8; i++)
                {
                    short ui = u[i];
                    u[i] = sav;
                    sav = Fx.Add(ui, Fx.MultR(rp[i], di));
                    di = Fx.Add(di, Fx.MultR(rp[i], ui));
                }
                s[k] = di;
            }
        }
    }

    private (int Lag, int Gain) LtpParameters(ReadOnlySpan<short> d)
    {
        const int n = Gsm0610Core.SubframeLength;
        const int h = Gsm0610Core.HistoryLength;

        // Scale the residual so the 40-term cross-correlations fit 32 bits whatever the signal level.
        int dmax = 0;
        for (int k = 0; k < n; k++) dmax = Math.Max(dmax, Fx.Abs(d[k]));
        int norm = dmax == 0 ? 0 : Fx.Norm(dmax << 16);
        int scal = norm > 6 ? 0 : 6 - norm;
        var wt = _scaled;
        for (int k = 0; k < n; k++) wt[k] = (short)(d[k] >> scal);

        var dp = _dp;
        int bestLag = 40;
        int best = 0;
        for (int lag = 40; lag <= 120; lag++)
        {
            int sum = 0;
            int offset = h - lag;
            for (int k = 0; k < n; k++) sum += wt[k] * dp[offset + k];
            if (sum > best)
            {
                best = sum;
                bestLag = lag;
            }
        }

        int lmax = (best << 1) >> (6 - scal);
        int lpower = 0;
        for (int k = 0; k < n; k++)
        {
            int v = dp[h - bestLag + k] >> 3;
            lpower += v * v;
        }
        lpower <<= 1;

        // Gain = correlation / power, quantised against the decision levels without a division.
        if (lmax <= 0) return (bestLag, 0);
        if (lmax >= lpower) return (bestLag, 3);
        int shift = Fx.Norm(lpower);
        short num = (short)((lmax << shift) >> 16);
        short den = (short)((lpower << shift) >> 16);
        for (int bc = 0; bc <= 2; bc++)
            if (num <= Fx.Mult(den, Gsm0610Core.Dlb[bc])) return (bestLag, bc);
        return (bestLag, 3);
    }

    private void RpeEncode(int subframe)
    {
        var e = _excitation;
        var x = _weighted;

        // Perceptual low-pass before decimation by 3, so the kept grid carries the band that matters.
        for (int k = 0; k < Gsm0610Core.SubframeLength; k++)
        {
            int acc = 4096;
            for (int i = 0; i < 11; i++) acc += e[k + i] * Gsm0610Core.H[i];
            x[k] = Fx.Sat(acc >> 13);
        }

        // Keep the one of four decimation phases that holds the most energy.
        int grid = 0;
        int bestEnergy = 0;
        for (int m = 0; m < 4; m++)
        {
            int energy = 0;
            for (int i = 0; i < 13; i++)
            {
                int v = x[m + 3 * i] >> 2;
                energy += v * v;
            }
            energy <<= 1;
            if (energy > bestEnergy)
            {
                bestEnergy = energy;
                grid = m;
            }
        }

        Span<short> xm = stackalloc short[13];
        int xmax = 0;
        for (int i = 0; i < 13; i++)
        {
            xm[i] = x[grid + 3 * i];
            xmax = Math.Max(xmax, Fx.Abs(xm[i]));
        }

        // Block maximum on a 6-bit pseudo-logarithmic scale (3-bit exponent, 3-bit mantissa).
        int exponent = 0;
        int probe = xmax >> 9;
        bool stop = false;
        for (int i = 0; i <= 5; i++)
        {
            stop |= probe <= 0;
            probe >>= 1;
            if (!stop) exponent++;
        }
        short xmaxc = Fx.Add((short)(xmax >> (exponent + 5)), (short)(exponent << 3));

        // Normalise by the *decoded* block maximum so encoder and decoder agree on the step size.
        var (exp, mant) = Gsm0610Core.ExponentMantissa(xmaxc);
        int normShift = 6 - exp;
        short inverseMantissa = Gsm0610Core.Nrfac[mant];
        var pulses = _frame.Pulses.AsSpan(subframe * 13, 13);
        for (int i = 0; i < 13; i++)
        {
            short normalised = Fx.Sat(xm[i] << normShift);
            pulses[i] = (short)((Fx.Mult(normalised, inverseMantissa) >> 12) + 4);
        }

        _frame.Grids[subframe] = (short)grid;
        _frame.MaxCodes[subframe] = xmaxc;

        // Replace the excitation with its quantised version, which is what the decoder will see.
        Gsm0610Core.RpeDecode(xmaxc, grid, pulses, e.AsSpan(5, Gsm0610Core.SubframeLength));
    }
}

/// <summary>
/// GSM 06.10 decoder: one 33-byte 0xD-signature packet in, 160 16-bit samples at 8 kHz out. Keeps state between frames; not thread-safe.
/// </summary>
public sealed class Gsm0610Decoder
{
    private readonly short[] _v = new short[9];
    private short[] _larppPrevious = new short[8];
    private short[] _larppCurrent = new short[8];
    private readonly short[] _drp = new short[Gsm0610Core.HistoryLength + Gsm0610Core.SubframeLength];
    private int _lastLag = 40;
    private int _msr;

    private readonly short[] _residual = new short[Gsm0610.FrameSamples];
    private readonly short[] _excitation = new short[Gsm0610Core.SubframeLength];
    private readonly short[] _rrp = new short[8];
    private readonly Gsm0610Frame _frame = new();

    public void Reset()
    {
        Array.Clear(_v);
        Array.Clear(_larppPrevious);
        Array.Clear(_larppCurrent);
        Array.Clear(_drp);
        _lastLag = 40;
        _msr = 0;
    }

    public void Decode(ReadOnlySpan<byte> packed33, Span<short> frame160)
    {
        if (packed33.Length != Gsm0610.FrameBytes)
            throw new ArgumentException($"A packed GSM 06.10 frame has {Gsm0610.FrameBytes} bytes, got {packed33.Length}.", nameof(packed33));
        if (frame160.Length != Gsm0610.FrameSamples)
            throw new ArgumentException($"A GSM 06.10 frame has {Gsm0610.FrameSamples} samples, got {frame160.Length}.", nameof(frame160));
        if ((packed33[0] >> 4) != Gsm0610Frame.Magic)
            throw new ArgumentException($"Not a GSM 06.10 frame: the first nibble is 0x{packed33[0] >> 4:X}, expected the 0xD magic.", nameof(packed33));

        _frame.Unpack(packed33);
        const int n = Gsm0610Core.SubframeLength;
        const int h = Gsm0610Core.HistoryLength;

        for (int j = 0; j < 4; j++)
        {
            Gsm0610Core.RpeDecode(_frame.MaxCodes[j], _frame.Grids[j], _frame.Pulses.AsSpan(j * 13, 13), _excitation);

            // A lag outside 40..120 cannot come from a conforming encoder (bit errors); reuse the last good one.
            int lag = _frame.Lags[j];
            if (lag < 40 || lag > 120) lag = _lastLag;
            _lastLag = lag;

            short brp = Gsm0610Core.Qlb[_frame.Gains[j]];
            for (int k = 0; k < n; k++)
                _drp[h + k] = Fx.Add(_excitation[k], Fx.MultR(brp, _drp[h + k - lag]));
            Array.Copy(_drp, h, _residual, j * n, n);
            Array.Copy(_drp, n, _drp, 0, h);
        }

        Gsm0610Core.DecodeLars(_frame.LarCodes, _larppCurrent);
        var rrp = _rrp;
        var v = _v;
        int msr = _msr;
        for (int segment = 0; segment < 4; segment++)
        {
            var (start, end) = Gsm0610Core.Segment(segment);
            Gsm0610Core.InterpolatedReflection(segment, _larppPrevious, _larppCurrent, rrp);
            for (int k = start; k < end; k++)
            {
                // Lattice synthesis filter, the exact inverse of the encoder's analysis lattice.
                short sri = _residual[k];
                for (int i = 7; i >= 0; i--)
                {
                    sri = Fx.Sub(sri, Fx.MultR(rrp[i], v[i]));
                    v[i + 1] = Fx.Add(v[i], Fx.MultR(rrp[i], sri));
                }
                v[0] = sri;

                // De-emphasis undoes the encoder's pre-emphasis; output keeps the 13-bit resolution of the standard.
                msr = Fx.Add(sri, Fx.MultR((short)msr, 28180));
                frame160[k] = (short)(Fx.Add((short)msr, (short)msr) & 0xFFF8);
            }
        }
        _msr = msr;
        (_larppPrevious, _larppCurrent) = (_larppCurrent, _larppPrevious);
    }
}

/// <summary>The 76 parameters of one frame and their 260-bit layout behind the 4-bit 0xD signature.</summary>
internal sealed class Gsm0610Frame
{
    public const int Magic = 0xD;
    internal static readonly int[] LarBits = [6, 6, 5, 5, 4, 4, 3, 3];

    public short[] LarCodes { get; } = new short[8];
    public short[] Lags { get; } = new short[4];
    public short[] Gains { get; } = new short[4];
    public short[] Grids { get; } = new short[4];
    public short[] MaxCodes { get; } = new short[4];
    public short[] Pulses { get; } = new short[4 * 13];

    public void Pack(Span<byte> packed)
    {
        var writer = new BitWriter(packed);
        writer.Write(Magic, 4);
        for (int i = 0; i < 8; i++) writer.Write(LarCodes[i], LarBits[i]);
        for (int j = 0; j < 4; j++)
        {
            writer.Write(Lags[j], 7);
            writer.Write(Gains[j], 2);
            writer.Write(Grids[j], 2);
            writer.Write(MaxCodes[j], 6);
            for (int i = 0; i < 13; i++) writer.Write(Pulses[j * 13 + i], 3);
        }
    }

    public void Unpack(ReadOnlySpan<byte> packed)
    {
        int position = 4;
        for (int i = 0; i < 8; i++) LarCodes[i] = Read(packed, ref position, LarBits[i]);
        for (int j = 0; j < 4; j++)
        {
            Lags[j] = Read(packed, ref position, 7);
            Gains[j] = Read(packed, ref position, 2);
            Grids[j] = Read(packed, ref position, 2);
            MaxCodes[j] = Read(packed, ref position, 6);
            for (int i = 0; i < 13; i++) Pulses[j * 13 + i] = Read(packed, ref position, 3);
        }
    }

    private static short Read(ReadOnlySpan<byte> data, ref int position, int bits)
    {
        int value = 0;
        for (int b = 0; b < bits; b++, position++)
            value = (value << 1) | ((data[position >> 3] >> (7 - (position & 7))) & 1);
        return (short)value;
    }

    private ref struct BitWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _accumulator;
        private int _pending;
        private int _index;

        public void Write(int value, int bits)
        {
            // Fields never exceed 7 bits, so the accumulator holds at most 14 pending bits.
            _accumulator = (_accumulator << bits) | (value & ((1 << bits) - 1));
            _pending += bits;
            while (_pending >= 8)
            {
                _pending -= 8;
                _destination[_index++] = (byte)(_accumulator >> _pending);
            }
            _accumulator &= (1 << _pending) - 1;
        }
    }
}

/// <summary>Tables and the pieces the encoder and decoder must compute identically.</summary>
internal static class Gsm0610Core
{
    public const int SubframeLength = 40;
    public const int HistoryLength = 120;

    // Table 4.1: LAR quantiser slope (A), offset (B) and code range (MIC..MAC); Table 4.2: 1/A.
    public static readonly short[] A = [20480, 20480, 20480, 20480, 13964, 15360, 8534, 9036];
    public static readonly short[] B = [0, 0, 2048, -2560, 94, -1792, -341, -1144];
    public static readonly short[] Mic = [-32, -32, -16, -16, -8, -8, -4, -4];
    public static readonly short[] Mac = [31, 31, 15, 15, 7, 7, 3, 3];
    public static readonly short[] InvA = [13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708];

    // Table 4.3: LTP gain decision thresholds and reconstruction levels.
    public static readonly short[] Dlb = [6554, 16384, 26214, 32767];
    public static readonly short[] Qlb = [3277, 11469, 21299, 32767];

    // Table 4.4: weighting filter impulse response (Q13).
    public static readonly short[] H = [-134, -374, 0, 2054, 5741, 8192, 5741, 2054, 0, -374, -134];

    // Tables 4.5/4.6: inverse and direct mantissas of the block maximum.
    public static readonly short[] Nrfac = [29128, 26215, 23832, 21846, 20165, 18725, 17476, 16384];
    public static readonly short[] Fac = [18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767];

    /// <summary>Sample ranges over which one interpolated coefficient set applies (4.2.9.1).</summary>
    public static (int Start, int End) Segment(int segment) => segment switch
    {
        0 => (0, 13),
        1 => (13, 27),
        2 => (27, 40),
        _ => (40, 160),
    };

    public static void DecodeLars(short[] larc, short[] larpp)
    {
        for (int i = 0; i < 8; i++)
        {
            short t = (short)(Fx.Add(larc[i], Mic[i]) << 10);
            t = Fx.Sub(t, (short)(B[i] << 1));
            t = Fx.MultR(InvA[i], t);
            larpp[i] = Fx.Add(t, t);
        }
    }

    /// <summary>
    /// Blends last frame's LARs into the first 40 samples (so the filter does not jump at frame edges), then maps LAR to r.
    /// </summary>
    public static void InterpolatedReflection(int segment, short[] previous, short[] current, short[] rp)
    {
        for (int i = 0; i < 8; i++)
        {
            short lar = segment switch
            {
                0 => Fx.Add(Fx.Add((short)(previous[i] >> 2), (short)(current[i] >> 2)), (short)(previous[i] >> 1)),
                1 => Fx.Add((short)(previous[i] >> 1), (short)(current[i] >> 1)),
                2 => Fx.Add(Fx.Add((short)(previous[i] >> 2), (short)(current[i] >> 2)), (short)(current[i] >> 1)),
                _ => current[i],
            };

            int magnitude = Fx.Abs(lar);
            if (magnitude < 11059) magnitude <<= 1;
            else if (magnitude < 20070) magnitude += 11059;
            else magnitude = Fx.Add((short)(magnitude >> 2), 26112);
            rp[i] = (short)(lar < 0 ? -magnitude : magnitude);
        }
    }

    public static (int Exponent, int Mantissa) ExponentMantissa(int xmaxc)
    {
        int exponent = xmaxc > 15 ? (xmaxc >> 3) - 1 : 0;
        int mantissa = xmaxc - (exponent << 3);
        if (mantissa == 0) return (-4, 7);
        while (mantissa <= 7)
        {
            mantissa = (mantissa << 1) | 1;
            exponent--;
        }
        return (exponent, mantissa - 8);
    }

    /// <summary>APCM inverse quantisation and placement of the 13 pulses on the chosen grid (4.2.16, 4.2.17).</summary>
    public static void RpeDecode(int xmaxc, int grid, ReadOnlySpan<short> pulses, Span<short> ep)
    {
        var (exponent, mantissa) = ExponentMantissa(xmaxc);
        short fac = Fac[mantissa];
        int shift = 6 - exponent;
        short rounding = (short)(shift >= 1 ? 1 << (shift - 1) : 0);
        ep.Clear();
        for (int i = 0; i < 13; i++)
        {
            short level = (short)(((pulses[i] << 1) - 7) << 12);
            ep[grid + 3 * i] = (short)(Fx.Add(Fx.MultR(fac, level), rounding) >> shift);
        }
    }
}

/// <summary>The standard's saturating 16/32-bit fixed-point primitives.</summary>
internal static class Fx
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Sat(int x) => x > short.MaxValue ? short.MaxValue : x < short.MinValue ? short.MinValue : (short)x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LSat(long x) => x > int.MaxValue ? int.MaxValue : x < int.MinValue ? int.MinValue : (int)x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Add(short a, short b) => Sat(a + b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Sub(short a, short b) => Sat(a - b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LAdd(int a, int b) => LSat((long)a + b);

    /// <summary>Q15 product, truncated; -1 × -1 saturates instead of wrapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Mult(short a, short b) => a == short.MinValue && b == short.MinValue ? short.MaxValue : (short)((a * b) >> 15);

    /// <summary>Q15 product, rounded; -1 × -1 saturates instead of wrapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short MultR(short a, short b) => a == short.MinValue && b == short.MinValue ? short.MaxValue : (short)((a * b + 16384) >> 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short Abs(short a) => a == short.MinValue ? short.MaxValue : (short)Math.Abs(a);

    /// <summary>Left shifts that bring a 32-bit value to the top of its range (31 for 0 and -1, as in the reference).</summary>
    public static int Norm(int a)
    {
        if (a < 0)
        {
            if (a <= -1073741824) return 0;
            a = ~a;
        }
        return BitOperations.LeadingZeroCount((uint)a) - 1;
    }

    /// <summary>Q15 quotient of 0 ≤ num ≤ den by restoring division, 15 bits as the standard specifies.</summary>
    public static short Div(short num, short den)
    {
        if (num == 0) return 0;
        int quotient = 0;
        int remainder = num;
        for (int k = 0; k < 15; k++)
        {
            quotient <<= 1;
            remainder <<= 1;
            if (remainder >= den)
            {
                remainder -= den;
                quotient++;
            }
        }
        return (short)quotient;
    }
}

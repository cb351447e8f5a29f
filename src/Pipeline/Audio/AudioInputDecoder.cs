namespace VoiceEmotion.Pipeline.Audio;

/// <summary>Wire bytes in any declared format → 16 kHz mono float: what every live entry point feeds the features.</summary>
public sealed class AudioInputDecoder
{
    private readonly ChunkDecoder _decoder;
    private readonly Resampler _resampler;
    private float[] _scratch = [];

    public AudioInputDecoder(AudioFormat format)
    {
        _decoder = new ChunkDecoder(format);
        _resampler = new Resampler(format.SampleRate, Resampler.TargetRate);
    }

    public AudioFormat Format => _decoder.Format;

    /// <summary>Samples (at the input rate, mono) decoded so far.</summary>
    public long InputSamples { get; private set; }

    /// <summary>16 kHz samples produced so far.</summary>
    public long OutputSamples { get; private set; }

    /// <summary>Bytes of an incomplete sample frame held back, waiting for the next chunk.</summary>
    public int PendingBytes => _decoder.PendingBytes;

    /// <summary>Upper bound of 16 kHz samples one <see cref="Push"/> of this many bytes writes.</summary>
    public int MaxOutputSamples(int chunkBytes) => _resampler.MaxOutputSamples(_decoder.MaxOutputSamples(chunkBytes));

    /// <summary>Decodes and resamples one chunk; returns the number of 16 kHz samples written.</summary>
    public int Push(ReadOnlySpan<byte> chunk, Span<float> output16k)
    {
        if (_resampler.IsIdentity)
        {
            // 16 kHz on the wire (the hub's browsers and the replay client): decode straight into the output, no
            // scratch buffer and no copy through the resampler.
            int samples = _decoder.Decode(chunk, output16k);
            InputSamples += samples;
            OutputSamples += samples;
            return samples;
        }
        int decodedMax = _decoder.MaxOutputSamples(chunk.Length);
        if (_scratch.Length < decodedMax) _scratch = new float[Math.Max(decodedMax, 2 * _scratch.Length)];
        int decoded = _decoder.Decode(chunk, _scratch);
        InputSamples += decoded;
        int produced = _resampler.Process(_scratch.AsSpan(0, decoded), output16k);
        OutputSamples += produced;
        return produced;
    }

    public void Reset()
    {
        _decoder.Reset();
        _resampler.Reset();
        InputSamples = OutputSamples = 0;
    }
}

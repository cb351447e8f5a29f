namespace VoiceEmotion.Pipeline.Dsp;

/// <summary>
/// The latest samples of a stream in one reusable buffer, addressed by absolute sample position: a block that needs the
/// last N samples (a filter, an analysis frame) reads them in place, and what no later block needs is dropped.
/// Allocation-free after construction.
/// </summary>
public sealed class SampleHistory(int capacity)
{
    private readonly float[] _buffer = new float[capacity];
    private int _count;

    /// <summary>Absolute position of the oldest sample held.</summary>
    public long Start { get; private set; }

    /// <summary>Absolute position one past the newest sample held.</summary>
    public long End => Start + _count;

    /// <summary>Forgets everything and holds <paramref name="silence"/> zeros before position 0.</summary>
    public void Reset(int silence)
    {
        Array.Clear(_buffer);
        _count = silence;
        Start = -silence;
    }

    /// <summary>The held samples [<paramref name="from"/>, <paramref name="from"/> + <paramref name="length"/>).</summary>
    public ReadOnlySpan<float> Slice(long from, int length) => new(_buffer, (int)(from - Start), length);

    /// <summary>Drops the samples before <paramref name="keepFrom"/>, appends as much of <paramref name="input"/> as
    /// fits and returns the rest (empty when all of it fit).</summary>
    public ReadOnlySpan<float> Append(ReadOnlySpan<float> input, long keepFrom)
    {
        int drop = (int)Math.Min(keepFrom - Start, _count);
        if (drop > 0)
        {
            Array.Copy(_buffer, drop, _buffer, 0, _count - drop);
            _count -= drop;
            Start += drop;
        }
        int take = Math.Min(_buffer.Length - _count, input.Length);
        input[..take].CopyTo(_buffer.AsSpan(_count));
        _count += take;
        return input[take..];
    }
}

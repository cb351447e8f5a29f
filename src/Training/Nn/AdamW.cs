namespace VoiceEmotion.Training.Nn;

/// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter) on the tensors a <see cref="ParameterSet"/> marks as decayed.</summary>
public sealed class AdamW
{
    private readonly ParameterSet _parameters;
    private readonly float[] _m, _v;
    private readonly bool[] _decay;
    private int _step;

    public AdamW(ParameterSet parameters, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        _parameters = parameters;
        _m = new float[parameters.Count];
        _v = new float[parameters.Count];
        _decay = new bool[parameters.Count];
        foreach (var name in parameters.Decayed) _decay.AsSpan(parameters.Offset(name), parameters.Size(name)).Fill(true);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }

    /// <summary>One update with the mean gradient of a batch.</summary>
    public void Step(ReadOnlySpan<float> gradient, float learningRate, float weightDecay)
    {
        _step++;
        var p = _parameters.Values;
        float c1 = 1 - MathF.Pow(Beta1, _step), c2 = 1 - MathF.Pow(Beta2, _step);
        for (int i = 0; i < p.Length; i++)
        {
            float g = gradient[i];
            _m[i] = Beta1 * _m[i] + (1 - Beta1) * g;
            _v[i] = Beta2 * _v[i] + (1 - Beta2) * g * g;
            float update = _m[i] / c1 / (MathF.Sqrt(_v[i] / c2) + Epsilon);
            if (_decay[i]) update += weightDecay * p[i];
            p[i] -= learningRate * update;
        }
    }
}

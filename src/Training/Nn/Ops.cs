using System.Numerics.Tensors;

namespace VoiceEmotion.Training.Nn;

/// <summary>
/// Kernels of the network, per sample. Convolutions are im2col with the column matrix stored transposed
/// ([time × inputs·kernel]) so both passes are long contiguous dot products and axpys (TensorPrimitives, SIMD).
/// </summary>
internal static class Ops
{
    /// <summary>colT[t, c·K + j] = x[c, t·stride + j·dilation − pad], zero outside [0, tIn).</summary>
    public static void Im2Col(ReadOnlySpan<float> x, int channels, int tIn, int kernel, int stride, int dilation, int pad, int tOut, Span<float> colT)
    {
        int width = channels * kernel;
        for (int t = 0; t < tOut; t++)
        {
            var row = colT.Slice(t * width, width);
            int origin = t * stride - pad;
            for (int c = 0; c < channels; c++)
            {
                var xc = x.Slice(c * tIn, tIn);
                for (int j = 0; j < kernel; j++)
                {
                    int at = origin + j * dilation;
                    row[c * kernel + j] = (uint)at < (uint)tIn ? xc[at] : 0f;
                }
            }
        }
    }

    /// <summary>dx[c, t·stride + j·dilation − pad] += dcolT[t, c·K + j] (the adjoint of <see cref="Im2Col"/>).</summary>
    public static void Col2ImAdd(ReadOnlySpan<float> dcolT, int channels, int tIn, int kernel, int stride, int dilation, int pad, int tOut, Span<float> dx)
    {
        int width = channels * kernel;
        for (int t = 0; t < tOut; t++)
        {
            var row = dcolT.Slice(t * width, width);
            int origin = t * stride - pad;
            for (int c = 0; c < channels; c++)
            {
                var dxc = dx.Slice(c * tIn, tIn);
                for (int j = 0; j < kernel; j++)
                {
                    int at = origin + j * dilation;
                    if ((uint)at < (uint)tIn) dxc[at] += row[c * kernel + j];
                }
            }
        }
    }

    /// <summary>y[o, t] = relu(b[o] + W[o,:]·colT[t,:]), y is [outputs × tOut].</summary>
    public static void ConvReluForward(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> colT, int outputs, int width, int tOut, Span<float> y)
    {
        for (int o = 0; o < outputs; o++)
        {
            var wo = w.Slice(o * width, width);
            float bias = b[o];
            var yo = y.Slice(o * tOut, tOut);
            for (int t = 0; t < tOut; t++)
            {
                float v = bias + TensorPrimitives.Dot(wo, colT.Slice(t * width, width));
                yo[t] = v > 0 ? v : 0;
            }
        }
    }

    /// <summary>
    /// Backward of <see cref="ConvReluForward"/> given dy w.r.t. the ReLU output (masked here by y &gt; 0):
    /// accumulates dW, db and (when dcolT is not empty) dcolT.
    /// </summary>
    public static void ConvReluBackward(ReadOnlySpan<float> y, Span<float> dy, ReadOnlySpan<float> w, ReadOnlySpan<float> colT,
        int outputs, int width, int tOut, Span<float> dw, Span<float> db, Span<float> dcolT)
    {
        if (!dcolT.IsEmpty) dcolT[..(tOut * width)].Clear();
        for (int o = 0; o < outputs; o++)
        {
            var wo = w.Slice(o * width, width);
            var dwo = dw.Slice(o * width, width);
            float biasGrad = 0;
            for (int t = 0; t < tOut; t++)
            {
                int i = o * tOut + t;
                if (y[i] <= 0) { dy[i] = 0; continue; }
                float g = dy[i];
                if (g == 0) continue;
                biasGrad += g;
                TensorPrimitives.MultiplyAdd(colT.Slice(t * width, width), g, dwo, dwo);
                if (!dcolT.IsEmpty)
                {
                    var row = dcolT.Slice(t * width, width);
                    TensorPrimitives.MultiplyAdd(wo, g, row, row);
                }
            }
            db[o] += biasGrad;
        }
    }

    /// <summary>y = W·x + b (W is [outputs × inputs]).</summary>
    public static void DenseForward(ReadOnlySpan<float> w, ReadOnlySpan<float> b, ReadOnlySpan<float> x, Span<float> y)
    {
        int inputs = x.Length;
        for (int o = 0; o < y.Length; o++) y[o] = b[o] + TensorPrimitives.Dot(w.Slice(o * inputs, inputs), x);
    }

    /// <summary>Accumulates dW += dy·xᵀ, db += dy, and (when dx is not empty) dx += Wᵀ·dy.</summary>
    public static void DenseBackward(ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> db, Span<float> dx)
    {
        int inputs = x.Length;
        for (int o = 0; o < dy.Length; o++)
        {
            float g = dy[o];
            if (g == 0) continue;
            db[o] += g;
            var dwo = dw.Slice(o * inputs, inputs);
            TensorPrimitives.MultiplyAdd(x, g, dwo, dwo);
            if (!dx.IsEmpty) TensorPrimitives.MultiplyAdd(w.Slice(o * inputs, inputs), g, dx, dx);
        }
    }

    public static void Relu(Span<float> x) => TensorPrimitives.Max(x, 0f, x);

    /// <summary>Stable softmax in place.</summary>
    public static void Softmax(Span<float> x)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, x);
        TensorPrimitives.Exp(x, x);
        float sum = TensorPrimitives.Sum(x);
        TensorPrimitives.Divide(x, sum, x);
    }
}

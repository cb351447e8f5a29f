namespace VoiceEmotion.Training.Nn;

/// <summary>Random draws the training code shares, all from a caller's seeded <see cref="Random"/> so every draw is
/// reproducible.</summary>
public static class Sampling
{
    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random random)
    {
        double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A Gamma(<paramref name="shape"/>, 1) draw: Marsaglia and Tsang's squeeze method, with the usual
    /// U^(1/k) boost for shapes below 1.</summary>
    public static double Gamma(Random random, double shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shape);
        if (shape < 1) return Gamma(random, shape + 1) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Gaussian(random); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = 1 - random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>A Beta(<paramref name="alpha"/>, <paramref name="alpha"/>) draw.</summary>
    public static double SymmetricBeta(Random random, double alpha)
    {
        double a = Gamma(random, alpha), b = Gamma(random, alpha);
        return a + b > 0 ? a / (a + b) : 0.5;
    }
}

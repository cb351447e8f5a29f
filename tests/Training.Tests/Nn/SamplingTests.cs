using VoiceEmotion.Training.Nn;

namespace VoiceEmotion.Training.Tests.Nn;

public sealed class SamplingTests
{
    [Theory]
    [InlineData(0.2)]
    [InlineData(0.4)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void SymmetricBetaHasTheMeanAndVarianceOfItsShape(double alpha)
    {
        var (mean, variance) = Moments(new Random(11), r =>
        {
            double x = Sampling.SymmetricBeta(r, alpha);
            Assert.InRange(x, 0, 1);
            return x;
        });
        Assert.Equal(0.5, mean, 0.01);
        // Beta(α, α): variance 1 / (4 (2α + 1)).
        double expected = 1 / (4 * (2 * alpha + 1));
        Assert.InRange(variance, expected * 0.95, expected * 1.05);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(2.5)]
    public void GammaHasMeanAndVarianceEqualToItsShape(double shape)
    {
        var random = new Random(3);
        var (mean, variance) = Moments(random, r => Sampling.Gamma(r, shape));
        Assert.InRange(mean, shape * 0.97, shape * 1.03);
        Assert.InRange(variance, shape * 0.93, shape * 1.07);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampling.Gamma(random, 0));
    }

    private static (double Mean, double Variance) Moments(Random random, Func<Random, double> draw, int n = 40_000)
    {
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++) { double x = draw(random); sum += x; sumSq += x * x; }
        double mean = sum / n;
        return (mean, sumSq / n - mean * mean);
    }
}

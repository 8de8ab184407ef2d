using Fpo.Alignment.Explanations;

namespace Fpo.Alignment.Tests.Explanations;

public sealed class ActivationCorrelationTests
{
    [Fact]
    public void KnownAnswers()
    {
        Assert.Equal(1.0, ActivationCorrelation.Pearson([1, 2, 3], [2, 4, 6]).R!.Value, 12);
        Assert.Equal(-1.0, ActivationCorrelation.Pearson([1, 2, 3], [3, 2, 1]).R!.Value, 12);
        // x = 1..5, y = 2,4,5,4,5: Sxy = 6, Sxx = 10, Syy = 6 → r = 6 / sqrt(60).
        Assert.Equal(6 / Math.Sqrt(60), ActivationCorrelation.Pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]).R!.Value, 12);
    }

    [Theory]
    [InlineData(new double[] { 3, 3, 3 }, new double[] { 1, 2, 3 }, "simulated activations are constant")]
    [InlineData(new double[] { 1, 2, 3 }, new double[] { 0, 0, 0 }, "true activations are constant")]
    [InlineData(new double[] { 1 }, new double[] { 2 }, "needs at least 2")]
    [InlineData(new double[] { 1, double.NaN }, new double[] { 2, 3 }, "non-finite activation at token 1")]
    public void UndefinedCorrelationsAreNoScoreWithAReason(double[] a, double[] b, string expected)
    {
        var (r, reason) = ActivationCorrelation.Pearson(a, b);
        Assert.Null(r);
        Assert.Contains(expected, reason);
    }
}

using Fpo.Sae.Training;

namespace Fpo.Sae.Tests.Training;

public sealed class GeometricMedianTests
{
    // Points on three rays 120° apart from c: the unit vectors towards them sum to zero at c, which is therefore the
    // geometric median, while the mean is pulled out along the longest ray.
    [Fact]
    public void FindsTheCentreOfRaysAt120DegreesWhereTheMeanIsElsewhere()
    {
        const int D = 6;
        float[] centre = [1, -2, 0.5f, 3, 0, -1];
        float[] u = [1, 0, 0, 0, 0, 0], v = [0, 0, 0, 1, 0, 0];  // an orthonormal plane
        float[][] lengths = [[1, 5], [2, 3], [0.5f, 7]];
        var rows = new List<float>();
        for (var r = 0; r < 3; r++)
        {
            var angle = 2 * Math.PI * r / 3;
            foreach (var length in lengths[r])
                for (var d = 0; d < D; d++)
                    rows.Add(centre[d] + length * (float)(Math.Cos(angle) * u[d] + Math.Sin(angle) * v[d]));
        }
        var median = new float[D];
        GeometricMedian.Compute(median, rows.ToArray(), 6, D);
        var mean = new float[D];
        SaeInitializer.InitializeDecoderBias(mean, DecoderBiasInit.Mean, rows.ToArray(), 6, D);
        for (var d = 0; d < D; d++) Assert.Equal(centre[d], median[d], 1e-4f);
        Assert.True(Math.Abs(mean[0] - centre[0]) + Math.Abs(mean[3] - centre[3]) > 0.3, "the test needs a mean away from the median");
    }

    [Fact]
    public void OneRowIsItsOwnMedianAndBadShapesAreRefused()
    {
        var median = new float[3];
        GeometricMedian.Compute(median, [1, 2, 3], 1, 3);
        Assert.Equal([1f, 2, 3], median);
        Assert.Contains("not 2 rows of 3", Assert.Throws<ArgumentException>(() => GeometricMedian.Compute(median, [1, 2, 3], 2, 3)).Message);
    }
}

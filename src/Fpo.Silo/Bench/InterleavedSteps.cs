namespace Fpo.Silo.Bench;

/// <summary>
/// Our step times of several methods taken in alternation in one process (<see cref="LossBenchmark.Interleaved"/>): per
/// method one time per round. <see cref="Ratio"/> compares two methods round by round, so load that drifts between
/// rounds cancels out, and takes the median.
/// </summary>
public sealed record InterleavedSteps(string Shape, IReadOnlyDictionary<string, double[]> Times)
{
    public double Median(string method) => MedianOf(Times[method]);

    public double? Ratio(string numerator, string denominator) =>
        Times.TryGetValue(numerator, out var a) && Times.TryGetValue(denominator, out var b)
            ? MedianOf([.. a.Zip(b, (x, y) => x / y)])
            : null;

    private static double MedianOf(double[] values)
    {
        var sorted = values.Order().ToArray();
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

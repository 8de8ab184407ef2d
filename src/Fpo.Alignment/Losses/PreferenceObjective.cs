namespace Fpo.Alignment.Losses;

/// <summary>
/// The outer loss shared by all five methods: with label p = P(chosen is better), the label-smoothed ("conservative")
/// form −[p·log σ(u) + (1−p)·log σ(−u)], averaged over the pairs; p = 1 gives the hard-label −log σ(u).
/// Its derivative is (σ(u) − p) per pair.
/// </summary>
public static class PreferenceObjective
{
    // du (B) set, u (B), labels (B); returns the mean loss
    public static float ForwardBackward(Span<float> du, ReadOnlySpan<float> u, ReadOnlySpan<float> labels, int B)
    {
        double loss = 0;
        for (var i = 0; i < B; i++)
        {
            double x = u[i], p = labels[i];
            loss += p * Softplus(-x) + (1 - p) * Softplus(x);
            du[i] = (float)((Sigmoid(x) - p) / B);
        }
        return (float)(loss / B);
    }

    // −log σ(x) = softplus(−x), stable for large |x|
    private static double Softplus(double x) => x > 0 ? x + double.LogP1(Math.Exp(-x)) : double.LogP1(Math.Exp(x));

    private static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}

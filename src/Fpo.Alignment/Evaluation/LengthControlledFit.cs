namespace Fpo.Alignment.Evaluation;

/// <summary>
/// The length-controlled win rate (after AlpacaEval 2): a logistic model of the judge's preference for the policy,
/// P(win) = σ(a + b·d), on the normalised length difference d = tanh((len_policy − len_reference) / s), s the standard
/// deviation of the differences, and LC = σ(a), the win rate the model predicts at zero length difference. A tie counts
/// as half a win and half a loss. The penalty (λ_b/2)·b² keeps a policy that is longer on every prompt from putting its
/// whole win rate on the length term, and (λ_a/2)·a² — tiny — keeps a clean sweep finite. Fitted by Newton's method
/// on the penalised log-likelihood, which is strictly convex, so the fit is unique and deterministic.
/// </summary>
public static class LengthControlledFit
{
    /// <summary>L2 weight on the length slope b.</summary>
    public const double SlopePenalty = 1.0;

    /// <summary>L2 weight on the intercept a; only felt when every comparison went one way.</summary>
    public const double InterceptPenalty = 1e-3;

    /// <summary>The fitted intercept and slope, LC = σ(a), and the scale s the differences were divided by.</summary>
    public readonly record struct Result(double Intercept, double Slope, double LengthScale)
    {
        public double WinRate => Sigmoid(Intercept);
    }

    /// <summary>Fits the outcomes that are not abstentions; null when none is left.</summary>
    public static Result? Fit(IReadOnlyList<HeldOutOutcome> outcomes)
    {
        var decided = outcomes.Where(o => !o.Abstained).ToArray();
        if (decided.Length == 0) return null;
        var differences = decided.Select(o => (double)(o.PolicyLength - o.ReferenceLength)).ToArray();
        var scale = StandardDeviation(differences);
        var d = differences.Select(x => scale > 0 ? Math.Tanh(x / scale) : 0).ToArray();
        var y = decided.Select(o => o.Preference!.Value).ToArray();
        var (a, b) = Newton(d, y);
        return new Result(a, b, scale);
    }

    /// <summary>Population standard deviation (0 for one value).</summary>
    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }

    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    // Minimises Σ −[y log σ(z) + (1−y) log σ(−z)] + λ_a a²/2 + λ_b b²/2, z = a + b d: y in [0, 1] is the weight of the
    // win outcome, so a tie (½) is half of each. Newton steps on the 2×2 system, halved while they do not lower the loss.
    private static (double A, double B) Newton(double[] d, double[] y)
    {
        double a = 0, b = 0, loss = Loss(d, y, a, b);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double ga = InterceptPenalty * a, gb = SlopePenalty * b, haa = InterceptPenalty, hab = 0, hbb = SlopePenalty;
            for (var i = 0; i < d.Length; i++)
            {
                var p = Sigmoid(a + b * d[i]);
                var w = p * (1 - p);
                ga += p - y[i];
                gb += (p - y[i]) * d[i];
                haa += w;
                hab += w * d[i];
                hbb += w * d[i] * d[i];
            }
            var det = haa * hbb - hab * hab;
            double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
            var step = 1.0;
            double na, nb, nl;
            do
            {
                (na, nb) = (a - step * da, b - step * db);
                nl = Loss(d, y, na, nb);
                step /= 2;
            }
            while (nl > loss && step > 1e-12);
            if (nl > loss) break;  // no step lowers the loss: (a, b) is the minimum to machine precision
            var moved = Math.Abs(na - a) + Math.Abs(nb - b);
            (a, b, loss) = (na, nb, nl);
            if (moved < 1e-12) break;
        }
        return (a, b);
    }

    private static double Loss(double[] d, double[] y, double a, double b)
    {
        var loss = 0.5 * (InterceptPenalty * a * a + SlopePenalty * b * b);
        for (var i = 0; i < d.Length; i++)
        {
            var z = a + b * d[i];
            loss += y[i] * Softplus(-z) + (1 - y[i]) * Softplus(z);
        }
        return loss;
    }

    // log(1 + e^x) without overflow.
    private static double Softplus(double x) => x > 0 ? x + double.LogP1(Math.Exp(-x)) : double.LogP1(Math.Exp(x));
}

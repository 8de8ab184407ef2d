using Fpo.Alignment.Losses;

namespace Fpo.Alignment.Training;

/// <summary>
/// The adaptive KL controller of Ziegler et al. 2019 (used by InstructGPT), acting on a preference method's strength.
/// With the budget KL* and a measured KL_t (nats per token on held-out responses), e = clip(KL_t / KL* − 1, −0.2, 0.2)
/// and β ← β·(1 + K·e): over budget the implicit reward sharpens, so the loss saturates sooner and the policy moves less
/// from the reference; under budget it relaxes. FPO's α (and TDPO2's), the weight of its divergence term, follows the
/// same factor, so the feature constraint tightens with β. β and α stay within 1/<see cref="Range"/> and
/// <see cref="Range"/> times their configured values, so a run cannot drive them to nothing or to infinity. The law is
/// symmetric on purpose: a version that never relaxed below the configured values (the budget as a ceiling only) let
/// the default loop's KL climb to 0.14 nats per token by minute 14 with β at 4.7 times its start, while the symmetric
/// law held it at 0.05 with β fallen fifty-fold — under AdamW the step does not shrink as β grows, and on this task a small
/// β slowed the drift. SimPO has no reference term for
/// the controller to act on: <see cref="Supports"/> says so and the trainer does not pretend.
/// </summary>
public sealed class KlController
{
    public const double ErrorClip = 0.2, Range = 100;

    private readonly double _initialBeta, _initialAlpha;

    public KlController(double budget, double gain, double beta, double alpha)
    {
        if (!(budget > 0 && double.IsFinite(budget))) throw new ArgumentOutOfRangeException(nameof(budget), budget, "the KL budget must be positive (nats per token)");
        if (!(gain > 0 && gain <= 1)) throw new ArgumentOutOfRangeException(nameof(gain), gain, "the controller's gain must be in (0, 1]");
        (Budget, Gain, Beta, Alpha, _initialBeta, _initialAlpha) = (budget, gain, beta, alpha, beta, alpha);
    }

    public double Budget { get; }
    public double Gain { get; }
    public double Beta { get; private set; }
    public double Alpha { get; private set; }

    /// <summary>The KL measurements it has acted on.</summary>
    public int Updates { get; private set; }

    /// <summary>Whether the method has a term relative to the reference for β to scale (every method but SimPO).</summary>
    public static bool Supports(string method) => method != "simpo";

    /// <summary>One update from a held-out KL measurement; returns the factor β and α were multiplied by.</summary>
    public double Observe(double klPerToken)
    {
        if (!double.IsFinite(klPerToken) || klPerToken < 0) return 1;  // no measurement to act on
        var error = Math.Clamp(klPerToken / Budget - 1, -ErrorClip, ErrorClip);
        var factor = 1 + Gain * error;
        Beta = Math.Clamp(Beta * factor, _initialBeta / Range, _initialBeta * Range);
        Alpha = Math.Clamp(Alpha * factor, _initialAlpha / Range, _initialAlpha * Range);
        Updates++;
        return factor;
    }

    /// <summary>Continues from a state saved with a snapshot (a resumed trainer).</summary>
    public void Restore(double beta, double alpha, int updates)
    {
        if (!(beta > 0 && double.IsFinite(beta)) || !(alpha >= 0 && double.IsFinite(alpha)))
            throw new ArgumentException($"the controller's saved state is invalid: beta {beta}, alpha {alpha}");
        (Beta, Alpha, Updates) = (beta, alpha, updates);
    }

    /// <summary><paramref name="settings"/> with the controller's β (and α where the method has one).</summary>
    public PreferenceLossSettings Apply(PreferenceLossSettings settings) => settings switch
    {
        FpoSettings fpo => fpo with { Beta = (float)Beta, Alpha = (float)Alpha },
        Tdpo2Settings tdpo2 => tdpo2 with { Beta = (float)Beta, Alpha = (float)Alpha },
        _ => settings with { Beta = (float)Beta },
    };
}

namespace Fpo.Alignment.Evaluation;

/// <summary>
/// One held-out prompt's comparison: the evaluation judge's preference for the policy's response over the reference's
/// (1 a win, ½ a tie, 0 a loss; null when the judge abstained for any reason but low confidence) and both responses'
/// lengths in tokens.
/// </summary>
public readonly record struct HeldOutOutcome(double? Preference, int PolicyLength, int ReferenceLength)
{
    public const double Win = 1, Tie = 0.5, Loss = 0;

    public bool Abstained => Preference is null;
}

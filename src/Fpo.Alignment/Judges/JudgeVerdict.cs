namespace Fpo.Alignment.Judges;

/// <summary>
/// A judge's answer: <see cref="ProbabilityA"/> = P(A is better), or an abstention. For judges that look at both
/// orders, <see cref="AFirst"/> is P(A better) with A shown as "Response 1" and <see cref="ASecond"/> the same with A
/// shown second, already mapped back; the label is their mean.
/// </summary>
public sealed record JudgeVerdict
{
    public double? ProbabilityA { get; private init; }
    public AbstentionReason? Abstention { get; private init; }

    /// <summary>Why it abstained, or what the judge saw (a rationale, the parsed answer); for logs, never parsed.</summary>
    public string Detail { get; private init; } = "";

    public double? AFirst { get; init; }
    public double? ASecond { get; init; }

    public bool IsLabel => ProbabilityA is not null;

    public static JudgeVerdict Label(double probabilityA, string detail = "")
    {
        if (!(probabilityA >= 0 && probabilityA <= 1)) throw new ArgumentOutOfRangeException(nameof(probabilityA), probabilityA, "a judge's probability must be in [0, 1]");
        return new JudgeVerdict { ProbabilityA = probabilityA, Detail = detail };
    }

    public static JudgeVerdict Abstain(AbstentionReason reason, string detail) => new() { Abstention = reason, Detail = detail };

    public override string ToString() => ProbabilityA is { } p ? $"P(A)={p:F3}" : $"abstained ({Abstention}): {Detail}";
}

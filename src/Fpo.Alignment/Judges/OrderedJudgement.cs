namespace Fpo.Alignment.Judges;

/// <summary>
/// RLAIF's position debiasing, shared by every judge that reads a model: the pair is judged with A shown first and
/// with B shown first, the second answer is mapped back to "A is better" (1 − p), the two are averaged, and the mean
/// becomes a label only if it is at least <c>margin</c> away from 0.5. Either order abstaining makes the pair abstain
/// (half a judgement is not a label).
/// </summary>
public static class OrderedJudgement
{
    /// <summary>
    /// <paramref name="firstIsBetter"/>(context, first, second) gives P(the response shown first is better) or an
    /// abstention. Both orders run concurrently.
    /// </summary>
    public static async Task<JudgeVerdict> BothOrdersAsync(JudgeRequest request, double margin, JudgeCounters counters,
        Func<string, string, string, CancellationToken, Task<JudgeVerdict>> firstIsBetter, CancellationToken cancellationToken)
    {
        if (!(margin >= 0 && margin < 0.5)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "the confidence margin must be in [0, 0.5)");
        var aFirst = firstIsBetter(request.Context, request.ResponseA, request.ResponseB, cancellationToken);
        var bFirst = firstIsBetter(request.Context, request.ResponseB, request.ResponseA, cancellationToken);
        var (one, two) = (await aFirst.ConfigureAwait(false), await bFirst.ConfigureAwait(false));
        if (!one.IsLabel) return counters.Count(one);
        if (!two.IsLabel) return counters.Count(two);
        double pFirst = one.ProbabilityA!.Value, pSecond = 1 - two.ProbabilityA!.Value;
        counters.CountPositionAgreement(pFirst > 0.5 == pSecond > 0.5);
        var p = (pFirst + pSecond) / 2;
        var detail = $"A first {pFirst:F3}, A second {pSecond:F3}";
        var verdict = Math.Abs(p - 0.5) < margin
            ? JudgeVerdict.Abstain(AbstentionReason.LowConfidence, $"P(A)={p:F3} is within {margin} of 0.5 ({detail})")
            : JudgeVerdict.Label(p, detail);
        return counters.Count(verdict with { AFirst = pFirst, ASecond = pSecond });
    }
}

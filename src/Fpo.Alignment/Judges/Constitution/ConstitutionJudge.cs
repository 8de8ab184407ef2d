namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// A judge from weighted rules, no model: each response's score is Σ weight·principle(context, response), and
/// P(A better) = σ((score(A) − score(B)) / temperature). The formula is symmetric, so it needs no second order: swapping
/// A and B gives exactly 1 − p (σ is evaluated on |d| and mirrored), and identical scores (identical responses among
/// them) give 0.5, an abstention.
/// </summary>
public sealed class ConstitutionJudge : IJudge
{
    public ConstitutionJudge(IReadOnlyList<Principle> principles, double temperature = 1, double margin = 0.05, string name = "constitution", string model = "")
    {
        if (principles.Count == 0) throw new ArgumentException("a constitution needs at least one principle", nameof(principles));
        if (!(temperature > 0 && double.IsFinite(temperature))) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be positive");
        if (!(margin is >= 0 and < 0.5)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "the confidence margin must be in [0, 0.5)");
        foreach (var p in principles)
            if (!double.IsFinite(p.Weight)) throw new ArgumentException($"principle '{p.Name}': weight {p.Weight} is not finite", nameof(principles));
        (Principles, Temperature, Margin, Name, Model) = (principles, temperature, margin, name, model);
    }

    public IReadOnlyList<Principle> Principles { get; }
    public double Temperature { get; }
    public double Margin { get; }
    public string Name { get; }
    public string Model { get; }
    public JudgeCounters Counters { get; } = new();

    /// <summary>Σ weight · principle score of one response.</summary>
    public double Score(string context, string response)
    {
        var sum = 0.0;
        foreach (var p in Principles) sum += p.Weight * p.Function.Score(context, response);
        return sum;
    }

    /// <summary>P(A better) before the margin is applied.</summary>
    public double ProbabilityA(JudgeRequest request)
    {
        var d = (Score(request.Context, request.ResponseA) - Score(request.Context, request.ResponseB)) / Temperature;
        var s = 1 / (1 + Math.Exp(-Math.Abs(d)));
        return d >= 0 ? s : 1 - s;
    }

    public Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Counters.CountCall();
        double p;
        try
        {
            p = ProbabilityA(request);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A scoring rule that trips over an odd response must not stop the loop, nor become a label.
            return Task.FromResult(Counters.Count(JudgeVerdict.Abstain(AbstentionReason.CallFailed, $"a principle failed to score the pair: {e.GetType().Name}: {e.Message}")));
        }
        Counters.CountPositionAgreement(true);  // both orders give the same answer by construction
        var verdict = Math.Abs(p - 0.5) < Margin || p == 0.5
            ? JudgeVerdict.Abstain(AbstentionReason.LowConfidence, $"P(A)={p:F3} is within {Margin} of 0.5")
            : JudgeVerdict.Label(p) with { AFirst = p, ASecond = p };
        return Task.FromResult(Counters.Count(verdict));
    }
}

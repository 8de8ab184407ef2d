using System.Globalization;

namespace Fpo.Alignment.Judges;

/// <summary>
/// Several judges as one. <see cref="CombinationMode.AllOf"/>: a member's abstention is the combinator's (with that
/// member's reason, named in the detail), members preferring different responses are a
/// <see cref="AbstentionReason.Disagreement"/>, else the label is the plain mean. <see cref="CombinationMode.Mixture"/>:
/// the weight-normalised mean over the members that labelled; if none did, the first member's reason. The members run
/// concurrently and keep their own counters.
/// </summary>
public sealed class JudgeCombinator : IJudge
{
    private readonly (IJudge Judge, double Weight)[] _members;

    public JudgeCombinator(CombinationMode mode, IReadOnlyList<(IJudge Judge, double Weight)> members, string? name = null)
    {
        if (members.Count == 0) throw new ArgumentException("a combinator needs at least one member judge", nameof(members));
        foreach (var (judge, weight) in members)
            if (!(weight > 0 && double.IsFinite(weight))) throw new ArgumentException($"member '{judge.Name}': weight {weight} must be positive", nameof(members));
        Mode = mode;
        _members = [.. members];
        var kind = mode == CombinationMode.AllOf ? "all-of" : "mixture";
        Name = name ?? $"{kind}({string.Join(",", members.Select(m => m.Judge.Name))})";
        Model = string.Join(",", members.Select(m => m.Judge.Model).Where(m => m.Length > 0));
    }

    public CombinationMode Mode { get; }
    public IReadOnlyList<(IJudge Judge, double Weight)> Members => _members;
    public string Name { get; }
    public string Model { get; }
    public JudgeCounters Counters { get; } = new();

    public async Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken)
    {
        var verdicts = await Task.WhenAll(_members.Select(m => m.Judge.JudgeAsync(request, cancellationToken))).ConfigureAwait(false);
        return Counters.Count(Mode == CombinationMode.AllOf ? AllOf(verdicts) : Mixture(verdicts));
    }

    private JudgeVerdict AllOf(JudgeVerdict[] verdicts)
    {
        for (var i = 0; i < verdicts.Length; i++)
            if (verdicts[i].Abstention is { } reason) return JudgeVerdict.Abstain(reason, $"{_members[i].Judge.Name} abstained: {verdicts[i].Detail}");
        var sides = verdicts.Select(v => Math.Sign(v.ProbabilityA!.Value - 0.5)).Distinct().ToList();
        if (sides.Count > 1 || sides[0] == 0)
            return JudgeVerdict.Abstain(AbstentionReason.Disagreement, $"members disagree: {Describe(verdicts)}");
        return Mean(verdicts, verdicts.Select(_ => 1.0).ToArray());
    }

    private JudgeVerdict Mixture(JudgeVerdict[] verdicts)
    {
        if (verdicts.All(v => !v.IsLabel))
            return JudgeVerdict.Abstain(verdicts[0].Abstention!.Value, $"every member abstained: {Describe(verdicts)}");
        return Mean(verdicts, _members.Select(m => m.Weight).ToArray());
    }

    // The weighted mean over the labels; AFirst/ASecond likewise when every labelling member reported both orders.
    private JudgeVerdict Mean(JudgeVerdict[] verdicts, double[] weights)
    {
        double total = 0, p = 0, first = 0, second = 0;
        var orders = true;
        for (var i = 0; i < verdicts.Length; i++)
        {
            if (verdicts[i].ProbabilityA is not { } pi) continue;
            total += weights[i];
            p += weights[i] * pi;
            orders &= verdicts[i].AFirst is not null && verdicts[i].ASecond is not null;
            first += weights[i] * (verdicts[i].AFirst ?? 0);
            second += weights[i] * (verdicts[i].ASecond ?? 0);
        }
        var label = JudgeVerdict.Label(Math.Clamp(p / total, 0, 1), Describe(verdicts));
        return orders ? label with { AFirst = Math.Clamp(first / total, 0, 1), ASecond = Math.Clamp(second / total, 0, 1) } : label;
    }

    private string Describe(JudgeVerdict[] verdicts) =>
        string.Join("; ", verdicts.Select((v, i) => $"{_members[i].Judge.Name}: " +
            (v.ProbabilityA is { } p ? p.ToString("F3", CultureInfo.InvariantCulture) : $"abstained ({v.Abstention})")));
}

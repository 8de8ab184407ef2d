using System.Globalization;
using Fpo.Grains.Contracts;

namespace Fpo.Silo.Cli.Loop;

/// <summary>
/// Whether a loop held its KL budget and what holding it cost in win rate, from its evaluations: the budget is held
/// from the first snapshot after which every evaluation's KL stayed within <see cref="Tolerance"/> × the budget (the
/// controller acts after each evaluation, so it hovers around the budget rather than under it). The cost is the best
/// length-controlled win rate over budget minus the best within it; a run that never went over cannot say, and the
/// summary says so (the frontier experiment runs without a controller).
/// </summary>
public static class KlBudgetSummary
{
    public const double Tolerance = 1.25;

    public static string? Describe(IReadOnlyList<SnapshotEvaluation> evaluations, double? budget)
    {
        if (budget is not { } b) return null;
        var trained = evaluations.Where(e => e.Version > 0).OrderBy(e => e.Version).ToList();
        if (trained.Count == 0) return Invariant($"KL budget {b:G3} nats/token: no trained snapshot evaluated yet");
        var limit = b * Tolerance;
        var lastOver = trained.FindLastIndex(e => e.KlPerToken > limit);
        var held = trained.Skip(lastOver + 1).ToList();
        var within = trained.Where(e => e.KlPerToken <= limit && double.IsFinite(e.LengthControlledWinRate)).ToList();
        var over = trained.Where(e => e.KlPerToken > limit && double.IsFinite(e.LengthControlledWinRate)).ToList();
        var text = held.Count == 0
            ? Invariant($"KL budget {b:G3} nats/token: not held at the end (last KL {trained[^1].KlPerToken:F4} > {limit:G3})")
            : Invariant($"KL budget {b:G3} nats/token: held (KL ≤ {limit:G3}) from snapshot {held[0].Version} to the end, {held.Count} of {trained.Count} evaluations, mean KL there {held.Average(e => e.KlPerToken):F4}");
        if (within.Count > 0)
        {
            var best = within.MaxBy(e => e.LengthControlledWinRate)!;
            text += Invariant($"; best LC win rate within it {best.LengthControlledWinRate:P1} (snapshot {best.Version})");
            text += over.Count == 0
                ? "; the run never went over it, so it cannot say what the budget cost (fpo experiment frontier runs without one)"
                : Invariant($"; over it the best was {over.Max(e => e.LengthControlledWinRate):P1}: the budget cost {100 * (over.Max(e => e.LengthControlledWinRate) - best.LengthControlledWinRate):+0.0;-0.0} points");
        }
        return text;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

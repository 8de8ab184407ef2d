using Fpo.Grains.Contracts;
using Fpo.Silo.Cli.Loop;

namespace Fpo.Silo.Tests;

/// <summary>What the loop says at its end about its KL budget.</summary>
public sealed class KlBudgetSummaryTests
{
    private static SnapshotEvaluation Evaluation(long version, double kl, double lc) =>
        new(version, 4 * version, 128, 60, 30, 38, 0, null, null, kl, kl * 60, null, 60, 60, DateTimeOffset.UnixEpoch) { LengthControlledWinRate = lc };

    [Fact]
    public void HeldFromTheFirstSnapshotAfterTheLastOneOverBudgetWithTheCostWhenTheRunWentOver()
    {
        var text = KlBudgetSummary.Describe(
            [Evaluation(0, 0, 0.5), Evaluation(1, 0.03, 0.6), Evaluation(2, 0.09, 0.74), Evaluation(3, 0.07, 0.71), Evaluation(4, 0.06, 0.70)], 0.06)!;
        Assert.Equal("KL budget 0.06 nats/token: held (KL ≤ 0.075) from snapshot 3 to the end, 2 of 4 evaluations, mean KL there 0.0650; " +
            "best LC win rate within it 71.0 % (snapshot 3); over it the best was 74.0 %: the budget cost +3.0 points", text);
    }

    [Fact]
    public void ARunThatNeverWentOverSaysItCannotTellTheCostAndOneOverAtTheEndIsNotHeld()
    {
        Assert.EndsWith("cannot say what the budget cost (fpo experiment frontier runs without one)",
            KlBudgetSummary.Describe([Evaluation(1, 0.02, 0.6), Evaluation(2, 0.05, 0.65)], 0.06), StringComparison.Ordinal);
        Assert.StartsWith("KL budget 0.06 nats/token: not held at the end (last KL 0.0900 > 0.075)",
            KlBudgetSummary.Describe([Evaluation(1, 0.02, 0.6), Evaluation(2, 0.09, 0.65)], 0.06), StringComparison.Ordinal);
        Assert.Null(KlBudgetSummary.Describe([Evaluation(1, 0.02, 0.6)], null));
    }
}

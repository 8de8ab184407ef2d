using Fpo.Alignment.Evaluation;

namespace Fpo.Alignment.Tests.Evaluation;

public class WinRateBootstrapTests(ITestOutputHelper output)
{
    private static List<HeldOutOutcome> Outcomes(int wins, int losses, int ties, int abstentions, Func<int, int>? policyLength = null) =>
    [
        .. Enumerable.Range(0, wins + losses + ties + abstentions).Select(i => new HeldOutOutcome(
            i < wins ? HeldOutOutcome.Win : i < wins + losses ? HeldOutOutcome.Loss : i < wins + losses + ties ? HeldOutOutcome.Tie : null,
            policyLength?.Invoke(i) ?? 40 + i % 7, 40 + i % 5)),
    ];

    [Fact]
    public void CountsAndRawWinRateTakeTiesAsHalfAndLeaveAbstentionsOut()
    {
        var s = WinRateBootstrap.Summarise(Outcomes(60, 20, 20, 28), resamples: 200);
        Assert.Equal((60, 20, 20, 28), (s.Wins, s.Losses, s.Ties, s.Abstentions));
        Assert.Equal(0.7, s.RawWinRate, 12);
        Assert.True(s.RawLow < 0.7 && s.RawHigh > 0.7, $"interval [{s.RawLow}, {s.RawHigh}] misses 0.7");
        Assert.Equal(200, s.Resamples);
    }

    [Fact]
    public void WithoutALengthEffectTheLengthControlledRateIsTheRawOneShrunkSlightly()
    {
        var s = WinRateBootstrap.Summarise(Outcomes(70, 30, 0, 0), resamples: 500);
        output.WriteLine($"raw {s.RawWinRate:F4} [{s.RawLow:F4}, {s.RawHigh:F4}]; LC {s.LengthControlled:F4} [{s.LengthControlledLow:F4}, {s.LengthControlledHigh:F4}]");
        Assert.InRange(s.LengthControlled, 0.66, 0.71);
        Assert.InRange(s.LengthControlledLow, 0.55, 0.66);
        Assert.InRange(s.LengthControlledHigh, 0.71, 0.82);
    }

    [Fact]
    public void WinsBoughtWithLengthAloneAreDiscounted()
    {
        // The policy wins exactly when its response is longer than the reference's: at zero difference it is even.
        var outcomes = Enumerable.Range(0, 200).Select(i =>
        {
            var extra = (i % 2 == 0 ? 1 : -1) * (1 + i % 17);
            return new HeldOutOutcome(extra > 0 ? HeldOutOutcome.Win : HeldOutOutcome.Loss, 45 + extra, 45);
        }).ToList();
        var s = WinRateBootstrap.Summarise(outcomes, resamples: 300);
        output.WriteLine($"raw {s.RawWinRate:F4}; LC {s.LengthControlled:F4} [{s.LengthControlledLow:F4}, {s.LengthControlledHigh:F4}], slope {s.LengthSlope:F3}");
        Assert.InRange(s.LengthControlled, 0.45, 0.55);
        Assert.True(s.LengthSlope > 2, $"slope {s.LengthSlope}");

        var longerAlways = outcomes.Select((o, i) => o with { PolicyLength = o.ReferenceLength + 5 + i % 3, Preference = i % 4 == 0 ? 0 : 1 }).ToList();
        var biased = WinRateBootstrap.Summarise(longerAlways, resamples: 0);
        Assert.InRange(biased.LengthControlled, 0.6, 0.8);  // length explains nothing when the policy is always longer by about as much
    }

    [Fact]
    public void TheSameOutcomesGiveTheSameIntervalAndACleanSweepStaysFinite()
    {
        var outcomes = Outcomes(50, 40, 10, 5);
        Assert.Equal(WinRateBootstrap.Summarise(outcomes), WinRateBootstrap.Summarise(outcomes));
        var sweep = WinRateBootstrap.Summarise(Outcomes(32, 0, 0, 0), resamples: 100);
        Assert.True(sweep.LengthControlled is > 0.99 and < 1, $"LC {sweep.LengthControlled}");
        Assert.True(double.IsFinite(sweep.LengthControlledLow));
    }

    [Fact]
    public void AllAbstentionsGiveNaNAndBadOutcomesAreRefused()
    {
        var s = WinRateBootstrap.Summarise(Outcomes(0, 0, 0, 12));
        Assert.True(double.IsNaN(s.RawWinRate) && double.IsNaN(s.LengthControlled) && double.IsNaN(s.LengthControlledLow));
        Assert.Equal(12, s.Abstentions);
        var e = Assert.Throws<ArgumentException>(() => WinRateBootstrap.Summarise([new HeldOutOutcome(0.3, 10, 10)]));
        Assert.Contains("0, 0.5 or 1", e.Message);
    }

    [Fact]
    public void IntervalsCoverTheTrueRateAtAboutTheirLevel()
    {
        // 200 simulated evaluations of 128 prompts with a true win rate of 0.7 and no length effect.
        var random = new Random(5);
        var covered = 0;
        for (var trial = 0; trial < 200; trial++)
        {
            var outcomes = Enumerable.Range(0, 128).Select(_ => new HeldOutOutcome(random.NextDouble() < 0.7 ? 1 : 0, 30 + random.Next(30), 30 + random.Next(30))).ToList();
            var s = WinRateBootstrap.Summarise(outcomes, resamples: 200, seed: trial);
            if (s.RawLow <= 0.7 && 0.7 <= s.RawHigh) covered++;
        }
        output.WriteLine($"raw 95% interval covered the true rate in {covered} of 200 trials");
        Assert.InRange(covered, 176, 200);
    }
}

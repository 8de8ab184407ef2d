using Fpo.Alignment.Losses;
using Fpo.Alignment.Training;

namespace Fpo.Alignment.Tests.Training;

/// <summary>The adaptive KL controller: its update law, its bounds, what it acts on, and that it holds a budget.</summary>
public sealed class KlControllerTests(ITestOutputHelper output)
{
    [Fact]
    public void BetaMovesByAtMostGainTimesTwentyPercentTowardsTheBudget()
    {
        var c = new KlController(budget: 0.05, gain: 0.1, beta: 0.1, alpha: 0.5);
        Assert.Equal(1.02, c.Observe(0.5), 12);  // far over budget: the error is clipped at +0.2
        Assert.Equal(0.102, c.Beta, 12);
        Assert.Equal(0.51, c.Alpha, 12);
        Assert.Equal(1 + 0.1 * (0.055 / 0.05 - 1), c.Observe(0.055), 12);  // 10% over: +1%
        Assert.Equal(1, c.Observe(0.05), 12);
        Assert.Equal(0.98, c.Observe(0), 12);  // far under: clipped at −0.2
        Assert.Equal(0.102 * 1.01 * 0.98, c.Beta, 12);
        Assert.Equal(1, c.Observe(double.NaN));  // no measurement, no update
        Assert.Equal(4, c.Updates);
    }

    [Fact]
    public void BetaAndAlphaStayWithinAHundredfoldOfTheirConfiguredValues()
    {
        var c = new KlController(0.05, 1, 0.1, 0.5);
        for (var i = 0; i < 1000; i++) c.Observe(10);
        Assert.Equal((10.0, 50.0), (c.Beta, c.Alpha));
        for (var i = 0; i < 1000; i++) c.Observe(0);
        Assert.Equal(0.001, c.Beta, 12);
        Assert.Equal(0.005, c.Alpha, 12);
    }

    [Fact]
    public void ItActsOnBetaOfEveryMethodAndAlphaWhereTheMethodHasOneButNotOnSimPo()
    {
        var c = new KlController(0.05, 0.1, 0.1, 0.5);
        c.Observe(1);
        var fpo = Assert.IsType<FpoSettings>(c.Apply(new FpoSettings { TopK = 7 }));
        Assert.Equal((0.102f, 0.51f, 7), (fpo.Beta, fpo.Alpha, fpo.TopK));
        Assert.Equal(0.51f, Assert.IsType<Tdpo2Settings>(c.Apply(new Tdpo2Settings())).Alpha);
        Assert.Equal(0.102f, Assert.IsType<DpoSettings>(c.Apply(new DpoSettings())).Beta);
        Assert.False(KlController.Supports("simpo"));
        Assert.All(new[] { "fpo", "dpo", "tdpo1", "tdpo2" }, m => Assert.True(KlController.Supports(m)));
    }

    [Fact]
    public void AResumedControllerContinuesFromItsSavedState()
    {
        var c = new KlController(0.05, 0.1, 0.1, 0.5);
        c.Restore(0.3, 0.7, 12);
        Assert.Equal((0.3, 0.7, 12), (c.Beta, c.Alpha, c.Updates));
        Assert.Throws<ArgumentException>(() => c.Restore(0, 0.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KlController(0, 0.1, 0.1, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KlController(0.05, 2, 0.1, 0.5));
    }

    [Fact]
    public void OnAPolicyWhoseKlFallsWithBetaItSettlesAtTheBudget()
    {
        // A stand-in for training: each evaluation the KL moves a fifth of the way to where this beta would leave it,
        // 0.02 / beta (β = 0.1 drifts to 0.2 nats per token, four times the budget).
        var c = new KlController(0.05, 0.2, 0.1, 0.5);
        double kl = 0;
        var trace = new List<double>();
        for (var t = 0; t < 150; t++)
        {
            kl += (0.02 / c.Beta - kl) / 5;
            c.Observe(kl);
            trace.Add(kl);
        }
        output.WriteLine($"KL every 15 evaluations: {string.Join(", ", trace.Where((_, i) => i % 15 == 14).Select(x => x.ToString("F4")))}; beta {c.Beta:F3}");
        Assert.InRange(trace[^20..].Average(), 0.045, 0.055);
        Assert.InRange(c.Beta, 0.36, 0.44);
    }

    [Fact]
    public void ARetunedStepTrainsWithTheNewBetaButRefusesAnotherMethod()
    {
        var (policy, _) = (new Models.Transformer.TransformerModel(Models.Transformer.ModelConfig.CreateGpt2(16, 8, layers: 1, channels: 8, heads: 2), 3), 0);
        var step = new PreferenceStep(policy, new DpoSettings());
        step.Retune(new DpoSettings { Beta = 0.3f });
        Assert.Equal(0.3f, step.Settings.Beta);
        Assert.Throws<ArgumentException>(() => step.Retune(new SimPoSettings()));
        Assert.Throws<ArgumentException>(() => step.Retune(new DpoSettings { Beta = 0 }));
    }
}

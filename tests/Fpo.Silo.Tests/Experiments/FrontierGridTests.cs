using Fpo.Silo.Cli;
using Fpo.Silo.Cli.Experiments;

namespace Fpo.Silo.Tests.Experiments;

/// <summary>The frontier's runs: beta scaled from each method's default, alpha for FPO only, and settings a method does not read unset.</summary>
public sealed class FrontierGridTests
{
    [Fact]
    public void TheDefaultGridScalesEachMethodsBetaAndGivesFpoEveryAlpha()
    {
        var grid = FrontierGrid.Build(["fpo", "dpo", "simpo", "tdpo2"], [0.5, 1, 2], [0.5, 1]);
        Assert.Equal(6 + 3 + 3 + 3, grid.Count);
        Assert.Equal(["fpo-b0.05-a0.5", "fpo-b0.05-a1", "fpo-b0.1-a0.5", "fpo-b0.1-a1", "fpo-b0.2-a0.5", "fpo-b0.2-a1"], grid.Take(6).Select(p => p.Setting));
        Assert.Equal([1f, 2f, 4f], grid.Where(p => p.Method == "simpo").Select(p => p.Beta));
        Assert.All(grid.Where(p => p.Method != "fpo"), p => Assert.Null(p.Alpha));
        Assert.Equal("β=0.05 α=0.5", grid[0].Label);
    }

    [Fact]
    public void EverySettingRunsOncePerSeedWithTheSeedOfItsRollouts()
    {
        var grid = FrontierGrid.Build(["fpo", "dpo"], [1], [0.5], [1, 2, 3]);
        Assert.Equal(["fpo-b0.1-a0.5-s1", "fpo-b0.1-a0.5-s2", "fpo-b0.1-a0.5-s3", "dpo-b0.1-s1", "dpo-b0.1-s2", "dpo-b0.1-s3"], grid.Select(p => p.Name));
        Assert.Equal("dpo-b0.1", grid[4].Setting);
        Assert.Equal("2", grid[4].Overrides().Single(o => o.Path == "rollout.seed").Value);
        Assert.Contains("--seeds: 'x' is not a whole number", Assert.Throws<CliException>(() => FrontierGrid.Integers("--seeds", "1,x")).Message, StringComparison.Ordinal);
        Assert.Contains("--seeds needs at least one seed", Assert.Throws<CliException>(() => FrontierGrid.Build(["dpo"], [1], [0.5], [])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OverridesUnsetTheKeysAMethodDoesNotRead()
    {
        var byKey = (FrontierPoint p) => p.Overrides().ToDictionary(o => o.Path, o => o.Value);
        var fpo = byKey(new FrontierPoint("fpo", 0.1f, 0.5f));
        Assert.Equal(("fpo", "0.1", "0.5", null, ""), (fpo["trainer.method"], fpo["trainer.beta"], fpo["trainer.alpha"], fpo["trainer.top_k"], fpo["trainer.gamma"]));
        var dpo = byKey(new FrontierPoint("dpo", 0.2f, null));
        Assert.Equal(("", "", ""), (dpo["trainer.alpha"], dpo["trainer.top_k"], dpo["trainer.gamma"]));
        var tdpo2 = byKey(new FrontierPoint("tdpo2", 0.1f, null));
        Assert.Null(tdpo2["trainer.alpha"]);
        Assert.Null(byKey(new FrontierPoint("simpo", 2f, null))["trainer.gamma"]);
    }

    [Fact]
    public void BadListsAreErrorsNamingTheOption()
    {
        Assert.Contains("--methods: unknown method 'ppo'", Assert.Throws<CliException>(() => FrontierGrid.Build(["fpo", "ppo"], [1], [0.5])).Message, StringComparison.Ordinal);
        Assert.Contains("--beta-scales must be positive", Assert.Throws<CliException>(() => FrontierGrid.Build(["dpo"], [0], [0.5])).Message, StringComparison.Ordinal);
        Assert.Equal("--alphas: 'x' is not a number (expected a comma-separated list such as 0.5,1,2)",
            Assert.Throws<CliException>(() => FrontierGrid.Numbers("--alphas", "0.5, x")).Message);
        Assert.Equal([0.5, 1], FrontierGrid.Numbers("--alphas", " 0.5 ,1,"));
    }
}

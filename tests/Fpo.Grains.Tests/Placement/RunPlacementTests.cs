using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;

namespace Fpo.Grains.Tests.Placement;

/// <summary>Which silos may host a grain of a run: those that name it in "fpo.runs", or name no runs (the embedded loop, test clusters).</summary>
public sealed class RunPlacementTests
{
    [Fact]
    public void A_silo_hosts_the_runs_it_names_or_any_run_when_it_names_none()
    {
        var two = new Dictionary<string, string> { [SiloRoleMetadata.Key] = "rollout", [SiloRoleMetadata.RunsKey] = "fpo-run,dpo-run" };
        var any = new Dictionary<string, string> { [SiloRoleMetadata.Key] = "rollout" };

        Assert.True(SiloRoleMetadata.Hosts(two, "dpo-run"));
        Assert.False(SiloRoleMetadata.Hosts(two, "old-run"));
        Assert.False(SiloRoleMetadata.Hosts(two, "fpo"));   // a whole name, not a prefix
        Assert.True(SiloRoleMetadata.Hosts(any, "old-run"));
    }

    [Theory]
    [InlineData("fpo-run", "fpo-run")]
    [InlineData("fpo-run/3", "fpo-run")]
    [InlineData("fpo-run/12/0", "fpo-run")]
    public void The_run_of_a_grain_key_is_its_first_segment(string key, string run) => Assert.Equal(run, GrainKeys.RunOf(key));
}

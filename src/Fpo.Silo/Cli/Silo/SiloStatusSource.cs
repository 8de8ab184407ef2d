using System.Diagnostics;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Hosting;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// One silo's status for its status line, /readyz and /metrics: per role of its config the grain activations of that
/// role on this silo (what Orleans placed here), the newest snapshot of each run it hosts and the queue depths of the
/// data path's streams (<see cref="IStreamBacklog"/>); the stores' error instead when they do not answer in time.
/// </summary>
internal sealed class SiloStatusSource(SiloSettings silo, IReadOnlyList<IRunStores> runs, IServiceProvider services)
{
    private static readonly Dictionary<string, string> GrainOfRole = new(StringComparer.Ordinal)
    {
        [RoleNames.Trainer] = "TrainerGrain",
        [RoleNames.PromptSource] = "PromptSourceGrain",
        [RoleNames.Rollout] = "RolloutGrain",
        [RoleNames.Reference] = "ReferenceGrain",
        [RoleNames.Judge] = "JudgeGrain",
        [RoleNames.Evaluator] = "EvaluatorGrain",
    };

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>What a role does besides its grains (the api role: "serving http://…").</summary>
    public string ApiActivity { get; set; } = "loading the run's model";

    public async Task<SiloRolesStatus> StatusAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var activations = await ActivationsAsync(cancel.Token).ConfigureAwait(false);
        var roles = silo.Roles.Select(r => new RoleStatus(r, "running", r == RoleNames.Api ? ApiActivity
            : $"{activations.GetValueOrDefault(GrainOfRole[r])} activations")).ToList();
        try
        {
            var snapshots = new List<RunSnapshot>(runs.Count);
            foreach (var stores in runs)
                snapshots.Add(new RunSnapshot(stores.RunId, (await stores.Snapshots.LatestAsync(cancel.Token).ConfigureAwait(false))?.Version));
            var pending = await services.GetRequiredService<IStreamBacklog>().PendingAsync(cancel.Token).ConfigureAwait(false);
            return new SiloRolesStatus(silo.Name, snapshots, _clock.Elapsed, roles, pending, null);
        }
        catch (Exception e)
        {
            var why = e is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:F0} s" : $"{e.GetType().Name}: {e.Message}";
            return new SiloRolesStatus(silo.Name, [.. runs.Select(r => new RunSnapshot(r.RunId, null))], _clock.Elapsed, roles, null, why);
        }
    }

    // Activations per grain class on this silo; none while the silo is starting or cannot answer in time.
    private async Task<Dictionary<string, int>> ActivationsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var here = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            var stats = await services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0)
                .GetSimpleGrainStatistics([here], cancellationToken).ConfigureAwait(false);
            return stats.GroupBy(s => ShortName(s.GrainType)).ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [];
        }
    }

    private static string ShortName(string grainType)
    {
        var name = grainType.Split(',')[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }
}

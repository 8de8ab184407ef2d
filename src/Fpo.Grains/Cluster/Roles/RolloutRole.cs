using System.Globalization;
using System.Text.Json;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Cluster.Roles;

/// <summary>
/// rollout.grains rollout grains, each with its own policy replica. Each snapshot a grain starts serving goes to the run
/// journal (<see cref="RolloutServing"/>), so publish latency can be measured across processes.
/// </summary>
public sealed class RolloutRole : GrainRole
{
    private List<RolloutGrain> _grains = [];
    private long _closedPairs;

    public override string Name => RoleNames.Rollout;

    public override string Activity
    {
        get
        {
            var grains = _grains;
            var pairs = Interlocked.Read(ref _closedPairs) + grains.Sum(g => g.PairsProduced);
            return string.Create(CultureInfo.InvariantCulture, $"{pairs} pairs, serving {(grains.Count == 0 ? "-" : string.Join("/", grains.Select(g => "v" + g.PolicyVersion)))}");
        }
    }

    protected override async Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken)
    {
        var assets = await context.AssetsAsync(cancellationToken).ConfigureAwait(false);
        var grains = Enumerable.Range(0, context.Settings.RolloutGrains).Select(i => LoopGrains.Rollout(i, context.Backbone, context.Streams, assets, context.Settings)).ToList();
        foreach (var grain in grains)
            grain.Switched += version =>
            {
                var serving = new RolloutServing(context.Silo.Name, grain.Name, version, context.Time.GetUtcNow());
                context.Journal(RolloutServing.JournalKind, $"{serving.Silo}/{serving.Grain}/{version}", JsonSerializer.Serialize(serving, JournalKinds.Json));
            };
        _grains = grains;
        return grains;
    }

    protected override void Closed()
    {
        Interlocked.Add(ref _closedPairs, _grains.Sum(g => g.PairsProduced));
        _grains = [];
    }
}

using System.Globalization;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Cluster.Roles;

/// <summary>One reference grain on a frozen copy of the run's snapshot 0: reference log-probs and SAE features per pair.</summary>
public sealed class ReferenceRole : GrainRole
{
    private ReferenceGrain? _grain;
    private long _closed;

    public override string Name => RoleNames.Reference;
    public override string Activity => string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _closed) + (_grain?.PairsAnnotated ?? 0)} pairs annotated");

    protected override async Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken)
    {
        var assets = await context.AssetsAsync(cancellationToken).ConfigureAwait(false);
        _grain = LoopGrains.Reference(context.Backbone, context.Streams, assets, context.Settings, LoopGrains.Frozen(assets.InitialPolicy));
        return [_grain];
    }

    protected override void Closed()
    {
        Interlocked.Add(ref _closed, _grain?.PairsAnnotated ?? 0);
        _grain = null;
    }
}

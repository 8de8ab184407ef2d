using System.Globalization;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Cluster.Roles;

/// <summary>The run's one prompt source: publishes the training prompts under back-pressure, numbering on from the stream.</summary>
public sealed class PromptSourceRole : GrainRole
{
    private PromptSourceGrain? _grain;
    private long _last;

    public override string Name => RoleNames.PromptSource;

    // The grain numbers on from what the stream holds, so its count is the run's, not this silo's.
    public override string Activity => string.Create(CultureInfo.InvariantCulture, $"{_grain?.Published ?? Interlocked.Read(ref _last)} prompts in the run");

    protected override bool Compute => false;

    protected override async Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken)
    {
        var assets = await context.AssetsAsync(cancellationToken).ConfigureAwait(false);
        _grain = LoopGrains.PromptSource(context.Streams, assets, context.Settings);
        return [_grain];
    }

    protected override void Closed()
    {
        if (_grain is not null) Interlocked.Exchange(ref _last, _grain.Published);
        _grain = null;
    }
}

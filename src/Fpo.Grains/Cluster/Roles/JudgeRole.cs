using System.Globalization;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Cluster.Roles;

/// <summary>loop.judge_grains judge grains on the run's judge (shipped in snapshot 0 as its config).</summary>
public sealed class JudgeRole : GrainRole
{
    private List<JudgeGrain> _grains = [];
    private long _closedLabelled, _closedAbstained;

    public override string Name => RoleNames.Judge;
    protected override bool Compute => false;

    public override string Activity
    {
        get
        {
            var grains = _grains;
            return string.Create(CultureInfo.InvariantCulture,
                $"{Interlocked.Read(ref _closedLabelled) + grains.Sum(g => g.Labelled)} labelled, {Interlocked.Read(ref _closedAbstained) + grains.Sum(g => g.Abstained)} abstained");
        }
    }

    protected override async Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken)
    {
        var assets = await context.AssetsAsync(cancellationToken).ConfigureAwait(false);
        _grains = [.. Enumerable.Range(0, context.Settings.JudgeGrains).Select(i => LoopGrains.Judge(i, context.Backbone, context.Streams, assets, context.Settings))];
        return _grains;
    }

    protected override void Closed()
    {
        Interlocked.Add(ref _closedLabelled, _grains.Sum(g => g.Labelled));
        Interlocked.Add(ref _closedAbstained, _grains.Sum(g => g.Abstained));
        _grains = [];
    }
}

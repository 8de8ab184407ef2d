using System.Globalization;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;

namespace Fpo.Grains.Cluster.Roles;

/// <summary>
/// The run's one evaluator: scores each new snapshot against a frozen copy of snapshot 0 on the held-out prompts (the
/// grain writes each evaluation to the run journal, where the API and dashboards of any silo read it).
/// </summary>
public sealed class EvaluatorRole : GrainRole
{
    private long _evaluated;
    private SnapshotEvaluation? _latest;

    public override string Name => RoleNames.Evaluator;

    public override string Activity => _latest is { } e
        ? string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _evaluated)} evaluated, v{e.Version} win rate {e.WinRate:P0}")
        : string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _evaluated)} evaluated");

    protected override async Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken)
    {
        var assets = await context.AssetsAsync(cancellationToken).ConfigureAwait(false);
        var grain = LoopGrains.Evaluator(context.Backbone, assets, context.Settings, LoopGrains.Frozen(assets.InitialPolicy));
        grain.Evaluated += e =>
        {
            _latest = e;
            Interlocked.Increment(ref _evaluated);
            context.Log(string.Create(CultureInfo.InvariantCulture,
                $"evaluator: snapshot {e.Version}: win rate {e.WinRate:P1} ({e.Wins}W {e.Losses}L {e.Ties}T {e.Abstentions}A), KL {e.KlPerToken:F4}/token"));
        };
        return [grain];
    }

    protected override void Closed()
    {
    }
}

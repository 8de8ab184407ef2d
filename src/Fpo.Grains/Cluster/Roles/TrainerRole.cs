using System.Globalization;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;

namespace Fpo.Grains.Cluster.Roles;

/// <summary>
/// The run's one trainer. Elected, it starts the run when the store is empty (snapshot 0 with the assets), then opens
/// a <see cref="TrainerGrain"/> on the newest snapshot — from its checkpoint in this silo's folder when it has one for
/// that step, else from the snapshot's weights — which re-consumes every preference that is in no snapshot yet. A clean
/// stop publishes what it trained since its last snapshot.
/// </summary>
public sealed class TrainerRole : GrainRole
{
    public const string CheckpointFolder = "trainer";

    private TrainerGrain? _grain;
    private long _published;

    public override string Name => RoleNames.Trainer;

    public override string Activity => _grain is { } g
        ? string.Create(CultureInfo.InvariantCulture, $"step {g.Step}, snapshot {g.SnapshotVersion}, {Interlocked.Read(ref _published)} published here")
        : string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _published)} published here");

    protected override async Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken)
    {
        await context.EnsureInitialSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var assets = await context.AssetsAsync(cancellationToken).ConfigureAwait(false);
        LoopGrains.Check(assets, context.Settings);
        var grain = await LoopGrains.TrainerAsync(context.Backbone, context.Streams, assets, context.Settings,
            Path.Combine(context.Silo.WorkDir, CheckpointFolder), cancellationToken, context.Time).ConfigureAwait(false);
        grain.Stepped += report =>
        {
            if (report.PublishedVersion is not { } version) return;
            Interlocked.Increment(ref _published);
            context.Log(string.Create(CultureInfo.InvariantCulture, $"trainer: published snapshot {version} (step {report.Step}, loss {report.Metrics.Loss:F4})"));
        };
        context.Log($"trainer: training run {context.Backbone.RunId} from snapshot {grain.SnapshotVersion} (step {grain.Step})");
        _grain = grain;
        return [grain];
    }

    protected override async Task StoppedAsync(RoleContext context, CancellationToken abort)
    {
        var before = _grain!.SnapshotVersion;
        await _grain.FlushAsync(abort).ConfigureAwait(false);
        if (_grain.SnapshotVersion == before) return;
        Interlocked.Increment(ref _published);
        context.Log($"trainer: stopping; published what it trained since the last snapshot as snapshot {_grain.SnapshotVersion}");
    }

    protected override void Closed() => _grain = null;
}

using Fpo.Grains.Loop;

namespace Fpo.Grains.Cluster;

/// <summary>
/// A role made of grains: opens them on the run's assets, steps each from its own task until a clean stop (the batch in
/// hand finishes), then lets the role finish (the trainer publishes what it trained). One grain failing stops its
/// siblings and ends the run of the role with that grain's exception; the host opens fresh grains afterwards.
/// </summary>
public abstract class GrainRole : SiloRole
{
    /// <summary>Whether the grains are compute-heavy (they take turns on the cores when loop.take_turns is set).</summary>
    protected virtual bool Compute => true;

    protected abstract Task<IReadOnlyList<IPollingGrain>> OpenAsync(RoleContext context, CancellationToken cancellationToken);

    /// <summary>After a clean stop of every grain, e.g. the trainer publishing what it trained since its last snapshot.</summary>
    protected virtual Task StoppedAsync(RoleContext context, CancellationToken abort) => Task.CompletedTask;

    /// <summary>The grains are dropped (after any end of the run); a role folds their counters into its totals here.</summary>
    protected abstract void Closed();

    public sealed override async Task RunAsync(RoleContext context, CancellationToken stop, CancellationToken abort)
    {
        try
        {
            IReadOnlyList<IPollingGrain> grains;
            using (var opening = CancellationTokenSource.CreateLinkedTokenSource(stop, abort))
            {
                try
                {
                    grains = await OpenAsync(context, opening.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested && !abort.IsCancellationRequested)
                {
                    return;
                }
            }
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(abort);
            var tasks = grains.Select(g => Task.Run(() => context.Stepping.RunAsync(g, Compute, () => stop.IsCancellationRequested || failed.IsCancellationRequested, failed.Token), failed.Token)).ToList();
            while (tasks.Count > 0)
            {
                var done = await Task.WhenAny(tasks).ConfigureAwait(false);
                tasks.Remove(done);
                if (done.IsCompletedSuccessfully) continue;
                await failed.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
                await done.ConfigureAwait(false);
            }
            await StoppedAsync(context, abort).ConfigureAwait(false);
        }
        finally
        {
            Closed();
        }
    }
}

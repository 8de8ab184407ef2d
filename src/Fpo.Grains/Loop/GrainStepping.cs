
namespace Fpo.Grains.Loop;

/// <summary>
/// Calls a grain's <see cref="IPollingGrain.StepAsync"/> over and over until told to stop, between steps, so the batch in hand
/// always finishes. With <paramref name="takeTurns"/> the compute-heavy grains of one process hold a single turn while
/// they step (one at a time on the cores), and one that found no work sleeps <paramref name="idleWait"/> outside it.
/// </summary>
public sealed class GrainStepping(bool takeTurns, TimeSpan idleWait) : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Steps <paramref name="grain"/> until <paramref name="stop"/> is true; a compute grain takes turns when configured.</summary>
    public async Task RunAsync(IPollingGrain grain, bool compute, Func<bool> stop, CancellationToken cancellationToken)
    {
        while (!stop())
        {
            if (!compute || !takeTurns)
            {
                await grain.StepAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            bool worked;
            await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                worked = await grain.StepAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _turn.Release();
            }
            if (!worked) await Task.Delay(idleWait, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _turn.Dispose();
}

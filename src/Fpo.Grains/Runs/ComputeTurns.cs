namespace Fpo.Grains.Runs;

/// <summary>
/// One turn on the cores for the compute-heavy grains of a silo (rollout, reference, trainer, evaluator) when its
/// settings say they take turns: on a small machine each then runs its kernels on every core, one grain at a time,
/// instead of all of them fighting over the cores. Without turns, entering is free.
/// </summary>
public sealed class ComputeTurns : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public bool TakeTurns { get; set; }

    /// <summary>
    /// Runs <paramref name="work"/> in a turn (at once when turns are off) on the thread pool, so the seconds it
    /// computes never hold a thread of the grain scheduler; the grain's turn awaits it.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work) => RunAsync(() => Task.Run(work));

    /// <summary>As <see cref="RunAsync{T}(Func{T})"/> for work that also awaits (e.g. a judge between forwards); the turn is held until it ends.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        if (!TakeTurns) return await Task.Run(work).ConfigureAwait(false);
        await _turn.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    public void Dispose() => _turn.Dispose();
}

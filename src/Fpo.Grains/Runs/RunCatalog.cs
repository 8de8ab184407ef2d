using System.Collections.Concurrent;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Runs;

/// <summary>
/// The runs this silo can host grains of, by id: a silo-wide singleton the grains take by constructor. A silo registers
/// a run once it has its assets (the embedded loop at once; a cluster silo after reading snapshot 0); a grain that
/// activates earlier — a stream delivery can wake it first — waits for the registration, up to
/// <see cref="RegistrationWait"/>, and then fails its activation with a message naming the run.
/// </summary>
public sealed class RunCatalog
{
    public static readonly TimeSpan RegistrationWait = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<RunContext>> _runs = new(StringComparer.Ordinal);

    public void Register(RunContext run)
    {
        GrainKeys.CheckRun(run.RunId);
        if (!Slot(run.RunId).TrySetResult(run)) throw new InvalidOperationException($"run '{run.RunId}' is already registered on this silo");
    }

    /// <summary>The registered run, or null.</summary>
    public RunContext? Find(string runId) => _runs.TryGetValue(runId, out var slot) && slot.Task.IsCompletedSuccessfully ? slot.Task.Result : null;

    /// <summary>The run <paramref name="runId"/>, once registered.</summary>
    public async Task<RunContext> GetAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            return await Slot(runId).Task.WaitAsync(RegistrationWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"run '{runId}' was not registered on this silo within {RegistrationWait.TotalSeconds:F0} s " +
                $"(registered: {string.Join(", ", RunIds)}); its assets come from snapshot 0, which the trainer silo publishes");
        }
    }

    public IReadOnlyList<string> RunIds => [.. _runs.Where(r => r.Value.Task.IsCompletedSuccessfully).Select(r => r.Key).Order(StringComparer.Ordinal)];

    private TaskCompletionSource<RunContext> Slot(string runId) =>
        _runs.GetOrAdd(runId, _ => new TaskCompletionSource<RunContext>(TaskCreationOptions.RunContinuationsAsynchronously));
}

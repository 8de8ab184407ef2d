using System.Collections.Concurrent;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Runs;

/// <summary>
/// The runs this silo can host grains of, by id: a silo-wide singleton the grains take by constructor. The process that
/// hosts a run registers it before any of its grains activates; a grain of an unknown run fails its activation with a
/// message naming the run.
/// </summary>
public sealed class RunCatalog
{
    private readonly ConcurrentDictionary<string, RunContext> _runs = new(StringComparer.Ordinal);

    public void Register(RunContext run)
    {
        GrainKeys.CheckRun(run.RunId);
        if (!_runs.TryAdd(run.RunId, run)) throw new InvalidOperationException($"run '{run.RunId}' is already registered on this silo");
    }

    public RunContext Get(string runId) => _runs.TryGetValue(runId, out var run)
        ? run
        : throw new InvalidOperationException($"run '{runId}' is not registered on this silo (known: {string.Join(", ", _runs.Keys.Order(StringComparer.Ordinal))})");

    public IReadOnlyList<string> RunIds => [.. _runs.Keys.Order(StringComparer.Ordinal)];
}

using System.Diagnostics;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Postgres;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// One run of `fpo bench cluster` on the benchmark's PostgreSQL: its `fpo silo` processes (one compute thread each,
/// status lines every 2 s) and the run's stores as any process of the cluster reads them. Disposing kills what still runs.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    private readonly PostgresRunStores _stores;
    private readonly List<(string Role, SiloProcess Process)> _silos = [];
    private readonly string _connection, _configDir, _work, _label;
    private readonly string? _logsDir, _blobConnection;

    private BenchCluster(PostgresRunStores stores, string connection, string configDir, string work, string label, string? logsDir, string? blobConnection)
    {
        (_stores, _connection, _configDir, _work, _label, _logsDir, _blobConnection) = (stores, connection, configDir, work, label, logsDir, blobConnection);
    }

    public string RunId => _stores.RunId;
    public IRunStores Stores => _stores;
    public IReadOnlyList<(string Role, SiloProcess Process)> Silos => _silos;

    /// <param name="logsDir">Where each silo's output is written as LABEL-SILO.log on disposal; null keeps none.</param>
    /// <param name="blobs">Null: snapshot bytes in PostgreSQL; else in this blob store, for this process and every silo.</param>
    public static async Task<BenchCluster> OpenAsync(string connection, string configDir, string label, string work, string? logsDir, CancellationToken cancellationToken,
        Grains.Blob.BlobSnapshotOptions? blobs = null)
    {
        var run = $"bench-{label}-{Guid.NewGuid():N}"[..40];
        var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = connection, RunId = run, Blobs = blobs }, cancellationToken).ConfigureAwait(false);
        return new BenchCluster(stores, connection, configDir, Path.Combine(work, run), label, logsDir, blobs?.ConnectionString);
    }

    /// <summary>The bytes snapshot <paramref name="version"/> occupies in its store (a delta's, not the file's).</summary>
    public Task<long> StoredBytesAsync(long version, CancellationToken cancellationToken) => _stores.StoredBytesAsync(version, cancellationToken);

    /// <summary>Starts silo <paramref name="name"/> with silo-config/<paramref name="role"/>.yaml and the --set overrides <paramref name="extra"/>.</summary>
    public SiloProcess Start(string role, string name, params string[] extra)
    {
        var sets = new[] { $"backbone.run={RunId}", $"silo.work={Path.Combine(_work, name)}", "silo.status_seconds=2" }.Concat(extra);
        var silo = SiloProcess.Start(name, Path.Combine(_configDir, role + ".yaml"), sets, _connection, Directory.CreateDirectory(_work).FullName,
            blobConnection: _blobConnection);
        _silos.Add((role, silo));
        return silo;
    }

    public async Task<long> LatestVersionAsync(CancellationToken cancellationToken) =>
        (await Stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false))?.Version ?? -1;

    /// <summary>Waits until the run has published snapshot <paramref name="version"/>; progress says <paramref name="what"/>.</summary>
    public async Task WaitForVersionAsync(long version, string what, Action<string> progress, CancellationToken cancellationToken, IEnumerable<SiloProcess>? mustLive = null)
    {
        var clock = Stopwatch.StartNew();
        while (await LatestVersionAsync(cancellationToken).ConfigureAwait(false) < version)
        {
            ThrowIfExited(mustLive);
            if (clock.Elapsed > Patience) throw new TimeoutException($"{what}: no snapshot {version} of run {RunId} within {Patience.TotalMinutes} minutes");
            progress($"{what} ({clock.Elapsed.TotalSeconds:F0} s)");
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every rollout grain's serving records since the run began, in journal order.</summary>
    public Task<IReadOnlyList<RolloutServing>> ServingAsync(CancellationToken cancellationToken) => RolloutServing.ReadAllAsync(Stores.Journal, cancellationToken);

    /// <summary>A silo that ended during a measurement makes its numbers meaningless: stop with its last lines.</summary>
    public void ThrowIfExited(IEnumerable<SiloProcess>? silos = null)
    {
        foreach (var s in silos ?? _silos.Select(s => s.Process))
            if (s.HasExited) throw new InvalidOperationException($"silo {s.Name} exited ({s.ExitCode}) during the benchmark; its last lines:\n{string.Join("\n", s.Lines.TakeLast(15))}");
    }

    /// <summary>The silo of <paramref name="candidates"/> whose latest status line reports an activation of <paramref name="role"/>'s grain.</summary>
    public static SiloProcess? Hosting(string role, IEnumerable<SiloProcess> candidates) =>
        candidates.FirstOrDefault(s => !s.HasExited && s.Lines.LastOrDefault(l => l.Contains("status | ", StringComparison.Ordinal)) is { } status
            && status.Contains($"{role}: 1 activations", StringComparison.Ordinal));

    public async Task StopAsync(Action<string> progress)
    {
        progress("stopping the silos (SIGTERM)");
        var live = _silos.Select(s => s.Process).Where(s => !s.HasExited).ToList();
        foreach (var s in live) s.Terminate();
        foreach (var s in live) await s.WaitForExitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, silo) in _silos) silo.Dispose();
        if (_logsDir is not null)
            foreach (var (_, silo) in _silos)
                await File.WriteAllLinesAsync(FreeLogPath(silo.Name), silo.Lines).ConfigureAwait(false);
        await _stores.DisposeAsync().ConfigureAwait(false);
    }

    // LABEL-SILO.log, or LABEL-SILO.2.log, … when a part runs the same label again (e.g. --rollouts 1 1).
    private string FreeLogPath(string silo)
    {
        var path = Path.Combine(_logsDir!, $"{_label}-{silo}.log");
        for (var n = 2; File.Exists(path); n++) path = Path.Combine(_logsDir!, $"{_label}-{silo}.{n}.log");
        return path;
    }
}

using Fpo.Grains.Backbone;
using Fpo.Grains.Loop;

namespace Fpo.Grains.Cluster;

/// <summary>
/// What the roles of one silo share: the backbone and its streams, the settings, one stepping (so compute grains take
/// turns across roles), the log and the journal, and the run's assets, loaded once from snapshot 0 when the first role
/// needs them (<see cref="RunAssets"/>).
/// </summary>
public sealed class RoleContext : IDisposable
{
    private readonly Func<CancellationToken, Task<RunAssetSource>>? _prepareRun;
    private readonly Action<string> _log;
    private readonly JournalWriter _journal;
    private readonly SemaphoreSlim _assetsLock = new(1, 1);
    private LoopAssets? _assets;

    internal RoleContext(IBackbone backbone, SiloSettings silo, Func<CancellationToken, Task<RunAssetSource>>? prepareRun, Action<string> log, TimeProvider time)
    {
        Backbone = backbone;
        Streams = RunStreams.Open(backbone);
        Silo = silo;
        Time = time;
        Stepping = new GrainStepping(silo.Loop.TakeTurns, silo.Loop.Leases.Wait);
        _prepareRun = prepareRun;
        _log = log;
        _journal = new JournalWriter(backbone.Journal, log, silo.LeadPoll);
    }

    public IBackbone Backbone { get; }
    public RunStreams Streams { get; }
    public SiloSettings Silo { get; }
    public LoopSettings Settings => Silo.Loop;
    public TimeProvider Time { get; }
    public GrainStepping Stepping { get; }
    internal JournalWriter JournalWriter => _journal;

    public void Log(string message) => _log(message);

    /// <summary>Queues a journal record; it is appended in the background (retried while the database is away).</summary>
    public void Journal(string kind, string id, string json) => _journal.Add(kind, id, json);

    /// <summary>
    /// The run's assets: waits for snapshot 0 (polling every lead poll, logging while it waits), loads them from it once
    /// for the whole silo, and checks the settings against its model. A failed load is tried again by the next caller.
    /// </summary>
    public async Task<LoopAssets> AssetsAsync(CancellationToken cancellationToken)
    {
        await _assetsLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_assets is not null) return _assets;
            var waiting = false;
            while (await Backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                if (!waiting) Log($"waiting for snapshot 0 of run {Backbone.RunId} (the trainer silo publishes it with the run's assets)");
                waiting = true;
                await Task.Delay(Silo.LeadPoll, Time, cancellationToken).ConfigureAwait(false);
            }
            var initial = await Backbone.Snapshots.GetAsync(0, cancellationToken).ConfigureAwait(false);
            var assets = RunAssets.Load(initial, Silo.WorkDir);
            Settings.Validate(assets.InitialPolicy.Config.VocabSize);
            Log($"loaded the run's assets from snapshot 0: {assets.TrainPrompts.Count} training and {assets.HeldOutPrompts.Count} held-out prompts, judge {assets.Judge.Name}, {(assets.Sae is null ? "no SAE" : "SAE " + Path.GetFileName(assets.SaeDir))}");
            return _assets = assets;
        }
        finally
        {
            _assetsLock.Release();
        }
    }

    /// <summary>
    /// Starts the run when its snapshot store is empty: prepares the assets this silo's config names and publishes them
    /// with the initial policy as snapshot 0. Only the elected trainer calls it; a conflict means another silo published
    /// snapshot 0 first, which is as good.
    /// </summary>
    internal async Task EnsureInitialSnapshotAsync(CancellationToken cancellationToken)
    {
        if (await Backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is not null) return;
        if (_prepareRun is null)
            throw new InvalidOperationException($"run {Backbone.RunId} has no snapshot 0 and this silo has no task to start it with");
        Log($"run {Backbone.RunId} is empty: preparing its assets for snapshot 0");
        var source = await _prepareRun(cancellationToken).ConfigureAwait(false);
        var files = RunAssets.Files(source);
        try
        {
            await Backbone.Snapshots.PublishAsync(new SnapshotPublication(0, files, [], 0, """{"initial":true,"assets":true}"""), cancellationToken).ConfigureAwait(false);
            Log($"published snapshot 0 with the initial policy and the run's assets ({files.Values.Sum(f => f.LongLength) / 1e6:F1} MB)");
        }
        catch (SnapshotConflictException)
        {
            Log("snapshot 0 was published by another silo first; using it");
        }
    }

    public void Dispose()
    {
        Stepping.Dispose();
        _assetsLock.Dispose();
    }
}

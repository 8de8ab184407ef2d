using Fpo.Grains.Actors;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Embedded;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;
using Fpo.Grains.Runs;
using Fpo.Models.Transformer;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// One test's run on the <see cref="ActorCluster"/>: its stores in a folder of their own (the embedded stores), the
/// tiny policy as snapshot 0, registered on the run catalog of both silos; the trainer steps and evaluations its grains
/// raise on either silo; and the ways a test feeds and watches its grains: streams, snapshots, announcements, state writes.
/// </summary>
internal sealed class ActorRun(ActorCluster cluster, RunContext context, EmbeddedRunStores stores, CancellationTokenSource abandon)
{
    public string Id => context.RunId;
    public RunContext Context => context;
    public EmbeddedRunStores Stores => stores;
    public LoopSettings Settings => context.Settings;
    public CancellationTokenSource Abandon => abandon;

    public Observed<TrainerStepReport> Steps { get; } = new(s => $"step {s.Step} ({s.Metrics.Pairs} pairs, published {s.PublishedVersion?.ToString() ?? "nothing"})");
    public Observed<SnapshotEvaluation> Evaluations { get; } = new(e => $"evaluation of v{e.Version}");

    private IClusterClient Client => cluster.Client;

    public string Partition(int partition) => GrainKeys.Partition(Id, partition);

    public IPromptSourceGrain PromptSource => Client.GetGrain<IPromptSourceGrain>(Id);
    public IRolloutGrain Rollout(int partition = 0) => Client.GetGrain<IRolloutGrain>(Partition(partition));
    public IReferenceGrain Reference(int partition = 0) => Client.GetGrain<IReferenceGrain>(Partition(partition));
    public IJudgeGrain Judge(int partition = 0) => Client.GetGrain<IJudgeGrain>(Partition(partition));
    public ITrainerGrain Trainer => Client.GetGrain<ITrainerGrain>(Id);
    public IEvaluatorGrain Evaluator => Client.GetGrain<IEvaluatorGrain>(Id);

    /// <summary>Sends <paramref name="item"/> on stream <paramref name="streamNamespace"/>/<paramref name="key"/> as a producer grain would.</summary>
    public Task SendAsync<T>(string streamNamespace, string key, T item) =>
        Client.GetStreamProvider(FpoProviders.Streams).GetStream<T>(StreamId.Create(streamNamespace, key)).OnNextAsync(item);

    public Task<StreamTap<T>> TapAsync<T>(string streamNamespace, string key, Func<T, string> describe) =>
        StreamTap<T>.SubscribeAsync(Client, streamNamespace, key, describe);

    /// <summary>Publishes snapshot <paramref name="version"/> as a trainer would: the tiny policy with weights nudged by the version.</summary>
    public async Task PublishSnapshotAsync(long version, long trainerStep, params string[] preferenceIds)
    {
        var model = new TransformerModel(context.Assets.InitialPolicy.Config);
        context.Assets.InitialPolicy.Parameters.CopyTo(model.Parameters, 0);
        model.Parameters[0] += version;
        await stores.Snapshots.PublishAsync(new SnapshotPublication(version, PolicySnapshot.Files(model), preferenceIds, trainerStep), TestContext.Current.CancellationToken);
    }

    /// <summary>Announces snapshot <paramref name="version"/> to the run's rollout grains and evaluator, from the trainer's silo as the trainer does after publishing.</summary>
    public Task AnnounceAsync(long version) => SnapshotAnnouncements.PublishAsync(cluster.SiloRunning(RoleNames.Trainer).ServiceProvider, context, version);

    /// <summary>The first write of <paramref name="grain"/>'s state <typeparamref name="T"/> that matches, seen already or yet to come.</summary>
    public async Task<T> WrittenAsync<T>(IAddressable grain, Func<T, bool> match, string what)
    {
        var id = grain.GetGrainId();
        var write = await cluster.Writes.FirstAsync(w => w.Grain == id && w.State is T state && match(state), what);
        return (T)write.State;
    }

    /// <summary>Every write of <paramref name="grain"/>'s state <typeparamref name="T"/> so far.</summary>
    public IReadOnlyList<T> Writes<T>(IAddressable grain)
    {
        var id = grain.GetGrainId();
        return [.. cluster.Writes.Items.Where(w => w.Grain == id).Select(w => w.State).OfType<T>()];
    }

    public Task<IReadOnlyList<JournalEntry>> JournalAsync(string kind) =>
        stores.Journal.ReadAsync(kind, 0, int.MaxValue, TestContext.Current.CancellationToken);
}

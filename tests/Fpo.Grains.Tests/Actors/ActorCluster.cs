using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Embedded;
using Fpo.Grains.Hosting;
using Fpo.Grains.Loop;
using Fpo.Grains.Placement;
using Fpo.Grains.Roles;
using Fpo.Grains.Runs;
using Fpo.Grains.Tests.Orleans.Folder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Fpo.Grains.Tests.Actors;

[CollectionDefinition(Name)]
public sealed class ActorCollection : ICollectionFixture<ActorCluster>
{
    public const string Name = "actors";
}

/// <summary>
/// Two in-process silos that split the roles, so that every hop of the data path — prompts to rollout, pairs to
/// reference, annotated pairs to judge, preferences to trainer, the judge settling a batch at the prompt source, the
/// trainer announcing a snapshot to rollout and evaluator — goes from one silo to the other. Streams are Orleans' memory
/// streams: the folder provider keeps a second silo out of its folder, and the grains' contracts do not depend on the
/// provider. Grain state is in memory behind <see cref="ObservedGrainStorage"/>. Each test starts a run of its own; the
/// runs' stores stay open until the cluster is gone, since their grains live as long as it does.
/// </summary>
public sealed class ActorCluster : IAsyncLifetime
{
    private const string MemoryStorage = "fpo-memory";

    // Both serve the API, so the FeatureStats grains of a snapshot spread over the two silos.
    private static readonly IReadOnlyList<string> FirstSiloRoles = [RoleNames.PromptSource, RoleNames.Reference, RoleNames.Trainer, RoleNames.Api];
    private static readonly IReadOnlyList<string> SecondSiloRoles = [RoleNames.Rollout, RoleNames.Judge, RoleNames.Evaluator, RoleNames.Api];

    private readonly string _folder = Directory.CreateTempSubdirectory("fpo-actors-").FullName;
    private readonly List<ActorRun> _runs = [];
    private InProcessTestCluster _cluster = null!;

    internal Observed<StateWrite> Writes { get; } = new(w => $"{w.StateName} of {w.Grain}");

    /// <summary>The warnings and errors both silos logged.</summary>
    public LogLines Log { get; } = new();

    public IClusterClient Client => _cluster.Client;

    public IReadOnlyList<InProcessSiloHandle> Silos => _cluster.Silos;

    public InProcessTestCluster Cluster => _cluster;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((silo, orleans) => orleans
            .AddFpoRuntime()
            .UseRolePlacement(RolesOf(silo.SiloName))
            .AddMemoryStreams(FpoProviders.Streams)
            .AddMemoryGrainStorage(MemoryStorage)
            .UseInMemoryReminderService());
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Logging.AddProvider(Log);
            host.Services.AddKeyedSingleton<IGrainStorage>(FpoProviders.Storage, (services, _) => new ObservedGrainStorage(
                services.GetRequiredKeyedService<IGrainStorage>(MemoryStorage), services.GetRequiredService<Serializer>(), Writes));
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(FpoProviders.Streams));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        await _cluster.WaitForClusterManifestToStabilizeAsync();
        RequireRolesKnown();
    }

    private static IReadOnlyList<string> RolesOf(string siloName) => siloName switch
    {
        "Silo_0" => FirstSiloRoles,
        "Silo_1" => SecondSiloRoles,
        _ => throw new ArgumentException($"the actor cluster has two silos, Silo_0 and Silo_1; got {siloName}", nameof(siloName)),
    };

    // Role placement reads the roles from each silo's metadata cache, which Orleans fills as membership changes.
    private void RequireRolesKnown()
    {
        foreach (var silo in Silos)
        {
            var cache = silo.ServiceProvider.GetRequiredService<ISiloMetadataCache>();
            foreach (var other in Silos)
            {
                var roles = RolesOf(other.Name);
                if (!roles.All(r => SiloRoleMetadata.Has(cache.GetSiloMetadata(other.SiloAddress), r)))
                    throw new InvalidOperationException($"{silo.Name} does not know the roles of {other.Name} ({string.Join(", ", roles)}) after the cluster manifest stabilized");
            }
        }
    }

    /// <summary>
    /// Starts run <paramref name="runId"/> (unique per test) on the tiny loop's assets and settings, changed by the test:
    /// 4 held-out prompts, since every snapshot a trainer test publishes wakes the evaluator, and a trainer that trains
    /// full batches only.
    /// </summary>
    internal async Task<ActorRun> StartRunAsync(string runId, Func<LoopAssets, LoopAssets>? assets = null, Func<LoopSettings, LoopSettings>? settings = null)
    {
        var tiny = TinyLoop.Assets();
        var runAssets = (assets ?? (a => a))(tiny with { HeldOutPrompts = [.. tiny.HeldOutPrompts.Take(4)] });
        var loop = TinyLoop.Settings(maxSnapshots: 1000);
        var runSettings = (settings ?? (s => s))(loop with { Trainer = loop.Trainer with { BatchWait = TimeSpan.FromHours(1) } });
        var folder = Path.Combine(_folder, runId);
        var stores = EmbeddedRunStores.Open(folder);
        await stores.Snapshots.PublishAsync(new SnapshotPublication(0, PolicySnapshot.Files(runAssets.InitialPolicy), [], 0), TestContext.Current.CancellationToken);
        var abandon = new CancellationTokenSource();
        var context = new RunContext(runId, runAssets, runSettings, stores, Path.Combine(folder, LoopHost.TrainerFolder), abandon.Token);
        var run = new ActorRun(this, context, stores, abandon);
        foreach (var silo in Silos)
        {
            silo.ServiceProvider.GetRequiredService<RunCatalog>().Register(context);
            var events = silo.ServiceProvider.GetRequiredService<RunEvents>();
            events.Stepped += (id, step) =>
            {
                if (id == runId) run.Steps.Add(step);
            };
            events.Evaluated += (id, evaluation) =>
            {
                if (id == runId) run.Evaluations.Add(evaluation);
            };
        }
        lock (_runs) _runs.Add(run);
        return run;
    }

    /// <summary>The silo whose roles include <paramref name="role"/>.</summary>
    public InProcessSiloHandle SiloRunning(string role) => Silos.Single(s => RolesOf(s.Name).Contains(role));

    /// <summary>The silo that holds the activation of <paramref name="grain"/>, or null when it has none.</summary>
    public InProcessSiloHandle? HostOf(IAddressable grain) =>
        _cluster.TryGetGrainContext(grain.GetGrainId(), out var context) ? Silos.Single(s => s.SiloAddress == context.Address.SiloAddress) : null;

    public async ValueTask DisposeAsync()
    {
        // The runs' grains stop writing at once, as if their hosts were killed, so the silos stop without waiting on held work.
        foreach (var run in _runs) await run.Abandon.CancelAsync();
        await _cluster.DisposeAsync();
        foreach (var run in _runs)
        {
            await run.Stores.DisposeAsync();
            run.Abandon.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }
}

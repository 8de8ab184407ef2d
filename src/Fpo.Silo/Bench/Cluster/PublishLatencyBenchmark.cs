using System.Diagnostics;
using System.Globalization;
using Fpo.Alignment.Judges.Config;
using Fpo.Grains.Actors;
using Fpo.Grains.Blob;
using Fpo.Grains.Postgres;
using Fpo.Grains.Stores;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Hosting;
using Fpo.Grains.Loop;
using Fpo.Grains.Orleans.Postgres;
using Fpo.Grains.Roles;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Microsoft.Extensions.Hosting;
using Orleans.BroadcastChannel;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Fpo.Silo.Bench.Cluster;

/// <summary>
/// The publish-latency part of `fpo bench cluster`: 2 idle rollout silos join a run whose snapshot 0 is a random-init
/// model of the shape; this process then does what the trainer does on each publish — takes an Adam-sized step,
/// serializes the policy in the variant's dtype, writes snapshot N to the variant's store and announces it on the
/// rollout partitions' broadcast channels (as an Orleans client of the cluster) — and times from serializing until the
/// last rollout grain journals that it serves N. Standing in for the trainer keeps training time out of the figure and
/// lets the GPT-2-small shape run on two cores.
/// </summary>
internal static class PublishLatencyBenchmark
{
    private const int RolloutSilos = 2, Partitions = 2;

    // An AdamW step moves every weight by about the learning rate (the trainer's default), whatever its gradient.
    private const float StepSize = 1e-4f;

    /// <param name="blobConnection">The blob store of the blob variants (an Azurite the benchmark started); null when none runs.</param>
    public static async Task<PublishLatency> RunAsync(string connection, string? blobConnection, ClusterBenchOptions options, string shape, SyncVariant sync, string work,
        Action<string> progress, CancellationToken cancellationToken)
    {
        var blobs = sync.Blob
            ? new BlobSnapshotOptions { ConnectionString = blobConnection ?? throw new ArgumentException("a blob variant needs the blob store", nameof(blobConnection)), FullEvery = sync.Delta ? 10 : 1 }
            : null;
        var label = $"{shape}, {sync.Name}";
        await using var cluster = await BenchCluster.OpenAsync(connection, options.ConfigDir, $"latency-{shape}-{sync.Name}", work, options.LogsDir, cancellationToken, blobs).ConfigureAwait(false);
        progress($"{label}: publishing snapshot 0 (random init) with the run's assets");
        var policy = new TransformerModel(LatencyShapes.Config(shape), seed: 1);
        await cluster.Stores.Snapshots.PublishAsync(new SnapshotPublication(0, RunAssets.Files(Source(policy)), [], 0), cancellationToken).ConfigureAwait(false);
        var megabytes = PolicySnapshot.Files(policy, sync.DType)[PolicySnapshot.WeightsFile].LongLength / 1e6;
        for (var i = 1; i <= RolloutSilos; i++) cluster.Start("rollout", $"rollout-{i}", "rollout.feature_statistics=false", "trainer.method=dpo");
        foreach (var (_, silo) in cluster.Silos) await silo.SeenAsync($"run {cluster.RunId} open on this silo", BenchCluster.Patience).ConfigureAwait(false);
        using var client = await StartClientAsync(connection, cancellationToken).ConfigureAwait(false);
        var channels = client.Services.GetRequiredKeyedService<IBroadcastChannelProvider>(FpoProviders.Announcements);

        // Snapshot 0's announcement activates the partitions' rollout grains, which load it.
        await SnapshotAnnouncements.PublishAsync(channels, cluster.RunId, Partitions, 0).ConfigureAwait(false);
        await ServedByAllAsync(cluster, 0, $"{label}: waiting for the {Partitions} rollout grains to load snapshot 0", progress, cancellationToken).ConfigureAwait(false);
        var publish = new List<double>();
        var latency = new List<double>();
        var stored = new List<double>();
        var copies = new List<double>();
        var random = new Random(2);
        // Version 1 follows the fp32 snapshot 0 (no delta across dtypes); versions 2 on are the ones a delta can carry.
        for (var v = 1; v <= options.Publishes + 1; v++)
        {
            progress($"{label}: taking an Adam-sized step for snapshot {v}");
            for (var i = 0; i < policy.Parameters.Length; i++) policy.Parameters[i] += random.Next(2) == 0 ? -StepSize : StepSize;
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            var weights = PolicySnapshot.Files(policy, sync.DType);
            await cluster.Stores.Snapshots.PublishAsync(new SnapshotPublication(v, weights, [], v), cancellationToken).ConfigureAwait(false);
            var published = clock.Elapsed.TotalSeconds;
            await SnapshotAnnouncements.PublishAsync(channels, cluster.RunId, Partitions, v).ConfigureAwait(false);
            var last = await ServedByAllAsync(cluster, v, $"{label}: snapshot {v} of {options.Publishes + 1} published, waiting for every rollout grain to serve it",
                progress, cancellationToken).ConfigureAwait(false);
            if (v == 1) continue;
            publish.Add(published);
            latency.Add((last - started).TotalSeconds);
            var bytes = await cluster.StoredBytesAsync(v, cancellationToken).ConfigureAwait(false);
            stored.Add(bytes / 1e6);
            copies.Add(FileCopySeconds(bytes, Path.Combine(work, "copy.bin")));
        }
        var read = Stopwatch.StartNew();
        await ReadColdAsync(connection, cluster.RunId, blobs, options.Publishes + 1, cancellationToken).ConfigureAwait(false);
        var readSeconds = read.Elapsed.TotalSeconds;
        await client.StopAsync(cancellationToken).ConfigureAwait(false);
        await cluster.StopAsync(progress).ConfigureAwait(false);
        var hosts = (await cluster.ServingAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Silo).Distinct().Count();
        return new PublishLatency(shape, sync.Name, policy.Parameters.LongLength, megabytes, hosts, Partitions, publish, latency, readSeconds, stored, copies);
    }

    // One read of `version` by a process that holds nothing of the run (so a delta is read with its chain).
    private static async Task ReadColdAsync(string connection, string run, BlobSnapshotOptions? blobs, long version, CancellationToken cancellationToken)
    {
        await using var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = connection, RunId = run, Blobs = blobs }, cancellationToken).ConfigureAwait(false);
        await stores.Snapshots.GetAsync(version, cancellationToken).ConfigureAwait(false);
    }

    // The floor under any store: `bytes` written to a local file and read back once per rollout silo.
    private static double FileCopySeconds(long bytes, string path)
    {
        var data = new byte[bytes];
        new Random(3).NextBytes(data);
        var clock = Stopwatch.StartNew();
        File.WriteAllBytes(path, data);
        for (var i = 0; i < RolloutSilos; i++) _ = File.ReadAllBytes(path);
        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return seconds;
    }

    // An Orleans client of the benchmark's cluster with the announcements' channel provider; fire and forget, because
    // no evaluator silo runs to take the evaluator's copy of each announcement.
    private static async Task<IHost> StartClientAsync(string connection, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (new ClusterEndpoint().ClusterId, PostgresProviders.ServiceId))
            .UsePostgresClustering(connection)
            .AddBroadcastChannel(FpoProviders.Announcements, o => o.FireAndForgetDelivery = true));
        var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    // When the last of the run's rollout grains journaled that it serves `version`.
    private static async Task<DateTimeOffset> ServedByAllAsync(BenchCluster cluster, long version, string what, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var serving = (await cluster.ServingAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Version == version).GroupBy(s => s.Grain).ToList();
            if (serving.Count == Partitions) return serving.Max(g => g.Min(s => s.At));
            cluster.ThrowIfExited();
            if (clock.Elapsed > BenchCluster.Patience)
                throw new TimeoutException($"{what}: {serving.Count} of {Partitions} rollout grains served snapshot {version} after {BenchCluster.Patience.TotalMinutes} minutes");
            progress(string.Create(CultureInfo.InvariantCulture, $"{what} ({clock.Elapsed.TotalSeconds:F0} s)"));
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    // What a latency run ships in snapshot 0: a small tokenizer (nothing is generated: no prompt source runs), no SAE (so
    // the rollout silos are told the run trains DPO, which needs none), a rule judge.
    private static RunAssetSource Source(TransformerModel policy)
    {
        const string judge = "kind: constitution\nname: short\nprinciples:\n  - name: short\n    length: {min_words: 0, max_words: 8}\n";
        var tokenizer = BpeTrainer.Train(Enumerable.Range(0, 200).Select(i => $"the cat {i % 13} sat on the mat. "), 300, ["<|endoftext|>"]);
        var assets = new LoopAssets(policy, tokenizer, null, null, JudgeConfig.Read(YamlSection.Parse(judge, "bench-judge.yaml", ".")),
            ["the cat"], ["the mat"]);
        return new RunAssetSource(assets, judge, PromptsStartWithEndOfText: false);
    }
}

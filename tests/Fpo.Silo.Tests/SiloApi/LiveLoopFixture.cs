using System.Net.Http.Json;
using System.Text.Json;
using Fpo.Grains.Actors;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// One short loop (3 snapshots) shared by the API tests. Before, while and after it runs, the fixture reads /api/run,
/// /metrics and the feature table over real HTTP and keeps what it saw.
/// </summary>
public sealed class LiveLoopFixture : IAsyncLifetime
{
    public const int Snapshots = 3;

    internal LiveLoop Loop { get; private set; } = null!;

    /// <summary>Snapshot versions /api/run reported during the loop, in order.</summary>
    public List<long> VersionsSeen { get; } = [];

    /// <summary>/metrics as read during the loop.</summary>
    public List<string> MetricsSeen { get; } = [];

    /// <summary>The drift of the newest feature table, per read during the loop.</summary>
    public List<(long Version, long PolicyTokens, double Drift)> TablesSeen { get; } = [];

    /// <summary>The most FeatureStats grains the loop's silo held at once while the API read its feature tables.</summary>
    public int FeatureShardsSeen { get; private set; }

    public TimeSpan LoopTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Loop = await LiveLoop.StartAsync(Snapshots);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await ReadAsync(timeout.Token);
        Loop.Run();
        while (!Loop.Finished.IsCompleted)
        {
            await ReadAsync(timeout.Token);
            if (!Loop.Finished.IsCompleted) FeatureShardsSeen = Math.Max(FeatureShardsSeen, await FeatureShardsAsync());
            await Task.WhenAny(Loop.Finished, Task.Delay(250, timeout.Token));
        }
        await Loop.Finished.WaitAsync(timeout.Token);
        await ReadAsync(timeout.Token);
        LoopTime = clock.Elapsed;
    }

    private async Task<int> FeatureShardsAsync()
    {
        var management = Loop.Host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        try
        {
            var grains = await management.GetSimpleGrainStatistics();
            return grains.Where(g => g.GrainType.Contains(nameof(FeatureStatsGrain), StringComparison.Ordinal)).Sum(g => g.ActivationCount);
        }
        catch (SiloUnavailableException)
        {
            return 0;   // the loop ended (and its silo shut down) between the check and the question
        }
    }

    private async Task ReadAsync(CancellationToken ct)
    {
        var status = await Loop.Http.GetFromJsonAsync<JsonElement>("/api/run", ct);
        VersionsSeen.Add(status.GetProperty("snapshotVersion").GetInt64());
        MetricsSeen.Add(await Loop.Http.GetStringAsync("/metrics", ct));
        var table = await Loop.Http.GetAsync("/api/features", ct);
        if (table.IsSuccessStatusCode)
        {
            var t = await table.Content.ReadFromJsonAsync<JsonElement>(ct);
            TablesSeen.Add((t.GetProperty("version").GetInt64(), t.GetProperty("policyTokens").GetInt64(), t.GetProperty("drift").GetDouble()));
        }
    }

    public async ValueTask DisposeAsync() => await Loop.DisposeAsync();
}

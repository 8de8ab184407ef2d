using Fpo.Grains.Stores;
using Fpo.Grains.Roles;
using Fpo.Models.Transformer;
using Fpo.Silo.Api;
using Microsoft.Extensions.Hosting;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// Keeps the model behind the OpenAI-compatible endpoints at the newest snapshot: each new snapshot is loaded into a
/// staging replica off the request path, then copied into the served model while no request is in flight
/// (<see cref="GenerationService.TryWhileIdle"/>), so a response never mixes two snapshots' weights. Under unbroken
/// load the swap waits for the first idle moment.
/// </summary>
public sealed class ServedSnapshot(IRunStores stores, GenerationService service) : BackgroundService
{
    private static readonly TimeSpan BusyRetry = TimeSpan.FromMilliseconds(50);
    private readonly TransformerModel _staging = new(service.Model.Config);
    private long _version = -1;

    /// <summary>The snapshot the endpoints serve; -1 before the first is loaded.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Loads the newest snapshot before the server takes requests.</summary>
    public async Task LoadLatestAsync(CancellationToken cancellationToken)
    {
        if (await stores.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false) is { } latest) await SwapAsync(latest.Version, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var info in stores.Snapshots.WatchAsync(Version, stoppingToken).ConfigureAwait(false))
            {
                var latest = await stores.Snapshots.LatestAsync(stoppingToken).ConfigureAwait(false);
                if (latest is not null && latest.Version > info.Version) continue;
                if (info.Version > Version) await SwapAsync(info.Version, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is shutting down.
        }
    }

    private async Task SwapAsync(long version, CancellationToken cancellationToken)
    {
        PolicySnapshot.Load(await stores.Snapshots.GetAsync(version, cancellationToken).ConfigureAwait(false), _staging);
        var served = service.Model;
        while (!service.TryWhileIdle(() =>
        {
            _staging.Parameters.CopyTo(served.Parameters, 0);
            served.InvalidateInferenceWeights();
        }))
            await Task.Delay(BusyRetry, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _version, version);
    }
}

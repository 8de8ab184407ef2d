using System.Diagnostics.Metrics;
using Fpo.Grains.Cluster;

namespace Fpo.Silo.SiloApi.Metrics;

/// <summary>
/// A probe server's instruments on the "Fpo" meter: whether the backbone answered, the run's newest snapshot, this
/// silo's uptime and roles with their state, and the run's queue depths (<see cref="StreamRecordsGauge"/>), from the
/// silo's status as the last scrape read it.
/// </summary>
public sealed class SiloMetrics : IScrapedMetrics
{
    private readonly Func<TimeSpan, Task<SiloRolesStatus>> _status;
    private volatile SiloRolesStatus? _reading;

    public SiloMetrics(IMeterFactory meters, Func<TimeSpan, Task<SiloRolesStatus>> status)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _status = status;
        var meter = meters.Create(MetricsExport.FpoMeter);
        meter.CreateObservableGauge("fpo.backbone.up", () => Long(s => s.BackboneError is null ? 1 : 0),
            description: "1 when the backbone answered this scrape, 0 when it did not (e.g. the database restarts).");
        meter.CreateObservableGauge("fpo.snapshot.version", () => _reading?.Runs.Where(r => r.Version is not null)
            .Select(r => new Measurement<long>(r.Version!.Value, new KeyValuePair<string, object?>("run", r.RunId))) ?? [],
            description: "Newest published snapshot version, per run this silo hosts.");
        meter.CreateObservableGauge("fpo.silo.uptime", () => _reading is { } s ? [new Measurement<double>(s.Elapsed.TotalSeconds)] : Array.Empty<Measurement<double>>(),
            unit: "s", description: "Time since this silo started its roles.");
        meter.CreateObservableGauge("fpo.silo.role", () => _reading?.Roles.Select(r => new Measurement<long>(1,
            new KeyValuePair<string, object?>("role", r.Name), new KeyValuePair<string, object?>("state", r.State.Split(" in ")[0]))) ?? [],
            description: "This silo's roles, 1 for the state each is in (running, waiting for the lead, restarting, ...).");
        StreamRecordsGauge.Create(meter, () => (_reading?.Queues ?? new Dictionary<string, long>()).OrderBy(q => q.Key, StringComparer.Ordinal)
            .Select(q => (q.Key, new QueueDepth(q.Value))));
    }

    public async Task RefreshAsync(CancellationToken cancellationToken) =>
        _reading = await _status(SiloProbeServer.StatusTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);

    private IEnumerable<Measurement<long>> Long(Func<SiloRolesStatus, long?> value) => _reading is { } s && value(s) is { } v ? [new Measurement<long>(v)] : [];
}

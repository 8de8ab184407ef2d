namespace Fpo.Silo.SiloApi.Metrics;

/// <summary>
/// A server's observable instruments and the reading they report. Their callbacks are synchronous while a reading
/// costs grain calls and backbone reads, so each scrape awaits <see cref="RefreshAsync"/> just before the exporter
/// collects: /metrics is as fresh as the status routes, a failed read fails the scrape instead of repeating old values,
/// and nothing polls while nobody scrapes.
/// </summary>
public interface IScrapedMetrics
{
    Task RefreshAsync(CancellationToken cancellationToken);
}

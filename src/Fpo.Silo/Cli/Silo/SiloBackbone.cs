using Fpo.Grains.Backbone;
using Fpo.Grains.Embedded;
using Fpo.Grains.Postgres;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// Opens the backbone a silo's config names: PostgreSQL (waiting, with the backbone's retries, while the database is
/// unreachable; outages and recoveries go to the silo's log) or the embedded one in the run folder.
/// </summary>
public static class SiloBackbone
{
    public static async Task<IBackbone> OpenAsync(SiloBackboneOptions options, SiloLog log, CancellationToken cancellationToken)
    {
        if (options.Kind == SiloBackboneOptions.Embedded)
        {
            var embedded = EmbeddedBackbone.Open(Path.Combine(options.RunsFolder, options.RunId));
            foreach (var warning in embedded.Warnings) log.Write(warning);
            return embedded;
        }
        try
        {
            return await PostgresBackbone.OpenAsync(new PostgresBackboneOptions { ConnectionString = options.Connection!, RunId = options.RunId, Log = log.Write },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"{SiloConfigKeys.ConnectionVariable}: not a usable PostgreSQL connection string ({e.Message})");
        }
    }
}

using Fpo.Grains.Stores;
using Fpo.Grains.Embedded;
using Fpo.Grains.Postgres;
using Npgsql;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// Opens the stores of one run a silo hosts, where its config says: PostgreSQL (waiting, with the stores' retries, while the database is
/// unreachable; outages and recoveries go to the silo's log) or the embedded one in the run folder.
/// </summary>
public static class SiloStores
{
    public static async Task<IRunStores> OpenAsync(SiloStoreOptions options, string runId, SiloLog log, CancellationToken cancellationToken)
    {
        if (options.Kind == SiloStoreOptions.Embedded)
        {
            var embedded = EmbeddedRunStores.Open(Path.Combine(options.RunsFolder, runId));
            foreach (var warning in embedded.Warnings) log.Write(warning);
            return embedded;
        }
        try
        {
            return await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = options.Connection!, RunId = runId, Log = log.Write, Blobs = options.Blobs },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"{SiloConfigKeys.ConnectionVariable}: not a usable PostgreSQL connection string ({e.Message})");
        }
        catch (NpgsqlException e)
        {
            // What the stores do not retry (a wrong password, a missing database) is the operator's to fix.
            throw new CliException($"cannot open run {runId} on the PostgreSQL of {SiloConfigKeys.ConnectionVariable}: {e.Message}");
        }
    }
}

using System.Globalization;
using System.Net;
using Fpo.Grains.Blob;
using Fpo.Grains.Hosting;
using Fpo.Grains.Cluster;
using Fpo.Silo.Cli.Loop;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// Turns `fpo silo`'s layered config into the silo's settings and where its runs' stores are (the backbone section). Everything that can be wrong is found
/// here, before any role starts: the roles, the backbone kind and run, a connection string that is missing or does not
/// come from the environment, the loop settings and the task a trainer would start the run with.
/// </summary>
public static class SiloSettingsReader
{
    public static (SiloSettings Silo, SiloStoreOptions Stores) Read(LoopConfig c)
    {
        var roles = (c.String("silo.roles") ?? throw c.Bad("silo.roles", $"is required: name the roles this silo runs (some of {string.Join(", ", RoleNames.All)})"))
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var role in roles)
            if (!RoleNames.All.Contains(role)) throw c.Bad("silo.roles", $"unknown role '{role}' (expected some of {string.Join(", ", RoleNames.All)})");
        var kind = c.String("backbone.kind");
        if (kind is not (SiloStoreOptions.Postgres or SiloStoreOptions.Embedded))
            throw c.Bad("backbone.kind", $"unknown kind '{kind}' (expected {SiloStoreOptions.Postgres} or {SiloStoreOptions.Embedded})");
        var runs = (c.String("backbone.run") ?? throw c.Bad("backbone.run", "is required: the run (or runs, comma-separated) every silo of the cluster joins"))
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var run in runs)
            if (run.Length > 64 || run[0] == '.' || !run.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.'))
                throw c.Bad("backbone.run", $"'{run}' is not a run id: use 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.'");
        if (runs.Length == 0) throw c.Bad("backbone.run", "names no run");
        if (runs.Distinct(StringComparer.Ordinal).Count() != runs.Length) throw c.Bad("backbone.run", $"names a run twice ({string.Join(", ", runs)})");
        var connection = SecretFromEnvironment(c, SiloConfigKeys.Connection, SiloConfigKeys.ConnectionVariable, "a password");
        if (kind == SiloStoreOptions.Postgres && connection is null)
            throw new CliException($"backbone.kind is postgres but {SiloConfigKeys.ConnectionVariable} is not set: export the PostgreSQL connection string (e.g. Host=127.0.0.1;Username=fpo;Password=...;Database=fpo)");
        if (roles.Contains(RoleNames.Trainer)) LoopAssetsLoader.Check(c);
        var silo = new SiloSettings
        {
            Roles = roles,
            Name = c.String("silo.name") ?? $"{Environment.MachineName}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}",
            Loop = LoopSettingsReader.Read(c),
            WorkDir = c.PathValue("silo.work")!,
            StopAtVersion = c.OptionalInt("run.max_snapshots"),
            MaxDuration = c.OptionalDouble("run.max_minutes") is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        };
        try
        {
            silo.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
        return (silo, new SiloStoreOptions(kind, runs, connection, c.PathValue("run.runs")!, Blobs(c, kind)));
    }

    // A connection string, only from the environment: one in a file or on the command line is refused, saying what it holds.
    private static string? SecretFromEnvironment(LoopConfig c, string key, string variable, string holds)
    {
        var value = c.String(key);
        if (value is not null && !c.Source(key).StartsWith("environment variable", StringComparison.Ordinal))
            throw c.Bad(key, $"a connection string holds {holds}: give it in the environment variable {variable}, never in a file or on the command line");
        return value;
    }

    // The blob store's options when snapshots.store is blob; its connection string, like the database's, only from the environment.
    private static BlobSnapshotOptions? Blobs(LoopConfig c, string kind)
    {
        var store = c.String("snapshots.store");
        if (store is not ("postgres" or "blob")) throw c.Bad("snapshots.store", $"unknown store '{store}' (expected postgres or blob)");
        var connection = SecretFromEnvironment(c, SiloConfigKeys.BlobConnection, SiloConfigKeys.BlobConnectionVariable, "an account key");
        if (store != "blob") return null;
        if (kind != SiloStoreOptions.Postgres) throw c.Bad("snapshots.store", "blob needs backbone.kind postgres (the embedded run keeps its snapshots in its folder)");
        if (connection is null)
            throw new CliException($"snapshots.store is blob but {SiloConfigKeys.BlobConnectionVariable} is not set: export the Azure Storage connection string (for a local Azurite: UseDevelopmentStorage=true)");
        var options = new BlobSnapshotOptions { ConnectionString = connection, Container = c.String("snapshots.container") ?? BlobSnapshotOptions.DefaultContainer, FullEvery = c.Int("snapshots.full_every") };
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliException($"snapshots ({SiloConfigKeys.BlobConnectionVariable}, snapshots.container, snapshots.full_every): {e.Message}");
        }
    }

    /// <summary>Where this silo is reached and the cluster it joins.</summary>
    public static ClusterEndpoint Endpoint(LoopConfig c)
    {
        var address = c.String("silo.address") ?? "127.0.0.1";
        if (!IPAddress.TryParse(address, out var ip)) throw c.Bad("silo.address", $"'{address}' is not an IP address (a container sets its pod IP, e.g. from the downward API)");
        var cluster = c.String("silo.cluster") ?? "fpo";
        return new ClusterEndpoint(address, Port(c, "silo.port"), Port(c, "silo.gateway_port"), ListenOnAnyAddress: !IPAddress.IsLoopback(ip), cluster);
    }

    private static int Port(LoopConfig c, string key)
    {
        var port = c.Int(key);
        if (port is < 0 or > 65535) throw c.Bad(key, $"must be a port from 0 to 65535 (got {port})");
        return port;
    }

    /// <summary>Seconds between status lines.</summary>
    public static TimeSpan StatusInterval(LoopConfig c) => Seconds(c, "silo.status_seconds");

    private static TimeSpan Seconds(LoopConfig c, string key)
    {
        var seconds = c.Double(key);
        if (seconds <= 0) throw c.Bad(key, $"must be positive (got {seconds})");
        return TimeSpan.FromSeconds(seconds);
    }
}

using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temporary folder (as the <c>postgres</c> user
/// via <c>runuser</c> when running as root, since PostgreSQL refuses to run as root), trust authentication, listening
/// only on 127.0.0.1 at a free port with its socket in the folder, fsync off. <see cref="StopAsync"/> and
/// <see cref="StartAsync"/> restart it on the same port and data, for outage tests; disposing stops it and deletes the
/// folder. Needs the server binaries (Debian: <c>apt-get install postgresql</c>).
/// </summary>
public sealed class LocalPostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _data;
    private readonly bool _asPostgresUser;

    private LocalPostgresServer(string bin, string folder, int port, bool asPostgresUser)
    {
        _bin = bin;
        Folder = folder;
        _data = Path.Combine(folder, "data");
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The temporary folder holding the data directory, the socket and server.log.</summary>
    public string Folder { get; }

    public int Port { get; }

    public bool IsRunning { get; private set; }

    /// <summary>Superuser "postgres" on database "postgres"; no password (trust).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5";

    /// <summary>Creates the cluster in a new temporary folder and starts it.</summary>
    public static async Task<LocalPostgresServer> CreateAsync(CancellationToken cancellationToken)
    {
        var bin = FindBinaries();
        var folder = Directory.CreateTempSubdirectory("fpo-postgres-").FullName;
        var asPostgres = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";
        var server = new LocalPostgresServer(bin, folder, Hosting.FreePorts.Next(), asPostgres);
        try
        {
            if (asPostgres) await RunAsync("chown", ["-R", "postgres:postgres", folder], cancellationToken).ConfigureAwait(false);
            await server.PgAsync("initdb", ["-D", server._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"], cancellationToken).ConfigureAwait(false);
            await File.AppendAllTextAsync(Path.Combine(server._data, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"""

                listen_addresses = '127.0.0.1'
                port = {server.Port}
                unix_socket_directories = '{folder}'
                fsync = off
                synchronous_commit = off
                full_page_writes = off
                max_connections = 300
                autovacuum_naptime = 1s
                """), cancellationToken).ConfigureAwait(false);
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The folder with initdb, pg_ctl and postgres: the newest /usr/lib/postgresql/*/bin, else the folder of initdb on PATH.</summary>
    public static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var newest = Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Dir is not null) return newest.Dir;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
                return dir;
        throw new InvalidOperationException(
            "PostgreSQL server binaries not found: no initdb and pg_ctl in /usr/lib/postgresql/*/bin or on PATH; install them (Debian: apt-get install postgresql)");
    }

    /// <summary>Starts the server (on the same port and data as before) and waits until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var log = Path.Combine(Folder, "server.log");
        try
        {
            await PgAsync("pg_ctl", ["-D", _data, "-l", log, "-w", "-t", "60", "start"], cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e) when (File.Exists(log))
        {
            var tail = string.Join('\n', (await File.ReadAllLinesAsync(log, cancellationToken).ConfigureAwait(false)).TakeLast(10));
            throw new InvalidOperationException($"{e.Message}\nthe end of {log}:\n{tail}", e);
        }
        IsRunning = true;
        await using var source = NpgsqlDataSource.Create(ConnectionString);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt < 100 && PostgresConnector.IsTransient(e))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the server: "fast" ends sessions with an admin-shutdown error, as a real restart does.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning) return;
        await PgAsync("pg_ctl", ["-D", _data, "-m", "fast", "-w", "-t", "60", "stop"], cancellationToken).ConfigureAwait(false);
        IsRunning = false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsRunning) await PgAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "-t", "60", "stop"], CancellationToken.None).ConfigureAwait(false);
            IsRunning = false;
        }
        finally
        {
            if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        }
    }

    private Task PgAsync(string tool, string[] arguments, CancellationToken cancellationToken) =>
        _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments], cancellationToken)
            : RunAsync(Path.Combine(_bin, tool), arguments, cancellationToken);

    private static async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()} {(await output.ConfigureAwait(false)).Trim()}".Trim());
    }
}

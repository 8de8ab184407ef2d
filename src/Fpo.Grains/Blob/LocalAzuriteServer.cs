using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fpo.Grains.Blob;

/// <summary>
/// A throwaway Azurite (the Azure Storage emulator, blob service only) for tests and benchmarks: one Node process
/// listening on 127.0.0.1 at a free port, its blobs in a temporary folder. <see cref="StopAsync"/> kills it and
/// <see cref="StartAsync"/> starts it again on the same port and folder, for outage tests; disposing stops it and
/// deletes the folder. Needs Node and the npm package azurite (./test.sh runs `npm ci` in tests/azurite).
/// </summary>
public sealed class LocalAzuriteServer : IAsyncDisposable
{
    /// <summary>
    /// Azurite's built-in development account: its name and key are published with the emulator and open nothing
    /// but a local emulator, so they may stand in code.
    /// </summary>
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _executable;
    private Process? _process;

    private LocalAzuriteServer(string executable, string folder, int port)
    {
        _executable = executable;
        Folder = folder;
        Port = port;
    }

    /// <summary>The temporary folder holding the emulator's blobs and its log.</summary>
    public string Folder { get; }

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The connection string of the emulator's development account at this port.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:{Port}/{DevAccount};";

    /// <summary>Starts an emulator in a new temporary folder.</summary>
    public static async Task<LocalAzuriteServer> CreateAsync(CancellationToken cancellationToken)
    {
        var server = new LocalAzuriteServer(FindExecutable(), Directory.CreateTempSubdirectory("fpo-azurite-").FullName, Hosting.FreePorts.Next());
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// azurite-blob: $FPO_AZURITE, else tests/azurite/node_modules/.bin in this checkout (looked for upwards from the
    /// working directory and from the program's folder), else on PATH.
    /// </summary>
    public static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("FPO_AZURITE");
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"FPO_AZURITE is {configured}, which does not exist");
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "azurite", "node_modules", ".bin", "azurite-blob");
                if (File.Exists(candidate)) return candidate;
            }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "azurite-blob"))) return Path.Combine(dir, "azurite-blob");
        throw new InvalidOperationException(
            "Azurite not found: run `npm ci` in tests/azurite (./test.sh does), or `npm install -g azurite`, or point FPO_AZURITE at azurite-blob");
    }

    /// <summary>Starts the emulator (on the same port and folder as before) and waits until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsRunning) return;
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (var a in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--location", Folder, "--silent", "--disableTelemetry" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {_executable}");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                lock (output) throw new InvalidOperationException($"Azurite exited with {process.ExitCode} at start: {output.ToString().Trim()}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stops the emulator: <paramref name="graceful"/> with SIGTERM, as Kubernetes stops a pod, so it saves its
    /// blob index first (killed outright, Azurite loses the index entries of its last seconds); otherwise SIGKILL at once.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken, bool graceful = true)
    {
        if (_process is null) return;
        using var process = _process;
        _process = null;
        if (process.HasExited) return;
        if (graceful)
        {
            using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            if (term is not null) await term.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            patience.CancelAfter(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(patience.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // It did not stop in time: kill it below.
            }
        }
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        }
    }
}

using Fpo.Grains.Cluster;
using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// This silo's <see cref="SiloProbeServer"/>, which the api role swaps out while it serves the full API on the same
/// address (and back in when the role stops or restarts), so /healthz answers for the silo's whole life.
/// </summary>
internal sealed class SiloProbes(SiloApiOptions options, Func<TimeSpan, Task<SiloRolesStatus>> status, IServiceProvider silo, Action<string> log) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RunningSiloApi? _server;
    private SiloApiOptions _options = options;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_server is not null) return;
            _server = await SiloProbeServer.StartAsync(_options, status, silo, cancellationToken).ConfigureAwait(false);
            // Port 0 picked a free port: keep it, so the api role and a restart of the probes answer at the same address.
            _options = _options with { Port = _server.Address.Port };
            log(SiloProbeServer.Describe(_server, _options));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The address the probes (and the api role after them) listen on.</summary>
    public SiloApiOptions Options => _options;

    public async Task StopAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_server is null) return;
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}

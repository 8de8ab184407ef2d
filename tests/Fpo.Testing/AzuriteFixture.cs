using Fpo.Grains.Blob;
using Xunit;

namespace Fpo.Testing;

/// <summary>
/// A throwaway Azurite (<see cref="LocalAzuriteServer"/>) for a test class or assembly. Tests share it and keep apart
/// by container or run id; a test that stops the emulator makes its own. Never a skip: a machine without Azurite
/// fails with the install command (./test.sh installs it).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private LocalAzuriteServer? _server;

    public LocalAzuriteServer Server => _server ?? throw new InvalidOperationException("the Azurite fixture is not initialized");

    public string ConnectionString => Server.ConnectionString;

    public async ValueTask InitializeAsync() => _server = await LocalAzuriteServer.CreateAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

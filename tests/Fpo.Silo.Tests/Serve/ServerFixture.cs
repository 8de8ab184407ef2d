namespace Fpo.Silo.Tests.Serve;

/// <summary>One server shared by the tests of a class (they run one at a time, so engine counters are theirs).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("the server fixture is not started");

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

using Fpo.Grains.Postgres;
using Xunit;

namespace Fpo.Testing;

/// <summary>
/// A throwaway PostgreSQL server (<see cref="LocalPostgresServer"/>) for a test class or assembly. Tests share it and
/// keep apart by run id (<see cref="NewRunId"/>); a test that stops the server makes its own. Never a skip: a machine
/// without PostgreSQL fails with the install command (./test.sh installs it).
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private LocalPostgresServer? _server;

    public LocalPostgresServer Server => _server ?? throw new InvalidOperationException("the PostgreSQL fixture is not initialized");

    public string ConnectionString => Server.ConnectionString;

    /// <summary>A run id no other test uses: <paramref name="prefix"/> and a random suffix.</summary>
    public static string NewRunId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 33)];

    public async ValueTask InitializeAsync() => _server = await LocalPostgresServer.CreateAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

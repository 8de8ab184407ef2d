using Fpo.Grains.Backbone;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// A role held as a session advisory lock (<c>pg_try_advisory_lock</c>, keyed by run and role) on a connection of its
/// own that never returns to a pool. A background check runs a trivial query every
/// <see cref="PostgresBackboneOptions.LeadershipCheckInterval"/>; when it fails, the session — and with it the lock —
/// is gone (terminated, server restarted, network split), so <see cref="Lost"/> is cancelled and another process may
/// already hold the role. Disposing unlocks and closes.
/// </summary>
internal sealed class PostgresLeadership : ILeadership
{
    private readonly NpgsqlConnection _connection;
    private readonly long _key;
    private readonly PostgresConnector _connector;
    private readonly SemaphoreSlim _using = new(1, 1);
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _checking;
    private int _disposed;

    private PostgresLeadership(NpgsqlConnection connection, long key, string role, PostgresConnector connector)
    {
        _connection = connection;
        _key = key;
        Role = role;
        _connector = connector;
        _checking = Task.Run(CheckAsync);
    }

    public string Role { get; }
    public CancellationToken Lost => _lost.Token;

    /// <summary>The claim, or null when another session holds the role; transient failures while claiming are retried.</summary>
    public static async Task<ILeadership?> TryClaimAsync(PostgresConnector connector, string run, string role, CancellationToken cancellationToken)
    {
        var key = Sql.LockKey(run, "lead", role);
        for (var attempt = 0; ; attempt++)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await connector.Unpooled.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                var held = await Sql.ScalarAsync<bool>(connection, "select pg_try_advisory_lock(@key)", cancellationToken, ("key", key)).ConfigureAwait(false);
                connector.Recovered();
                if (!held)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return null;
                }
                return new PostgresLeadership(connection, key, role, connector);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && PostgresConnector.IsTransient(e))
            {
                if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
                if (connector.Options.MaxRetries is { } max && attempt >= max) throw;
                connector.Failed($"claiming the role '{role}'", e);
                await Task.Delay(connector.Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task CheckAsync()
    {
        var interval = _connector.Options.LeadershipCheckInterval;
        try
        {
            while (true)
            {
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
                await _using.WaitAsync(_stop.Token).ConfigureAwait(false);
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    timeout.CancelAfter(interval * 5 + TimeSpan.FromSeconds(5));
                    await Sql.ScalarAsync<int>(_connection, "select 1", timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _using.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _connector.Log($"postgres: lost the role '{Role}': the session holding its lock failed ({PostgresConnector.Describe(e)})");
            await _lost.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _checking.ConfigureAwait(false);
        await _using.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_lost.IsCancellationRequested)
                await Sql.ScalarAsync<bool>(_connection, "select pg_advisory_unlock(@key)", CancellationToken.None, ("key", _key)).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgresConnector.IsTransient(e))
        {
            // The session is gone, and its lock with it.
        }
        finally
        {
            _using.Release();
            await _connection.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
            _using.Dispose();
        }
    }
}

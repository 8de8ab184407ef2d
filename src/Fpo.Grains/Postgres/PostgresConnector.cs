using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// Runs every database operation of the run stores: on a fresh pooled connection per attempt, retrying transient failures
/// (a restarting or unreachable server, a dropped connection, a deadlock) with exponential backoff and jitter until the
/// operation succeeds, it is cancelled, or <see cref="PostgresStoreOptions.MaxRetries"/> runs out. An outage is
/// logged once when it starts and once when it ends, however many operations retry through it. Operations must be
/// safe to repeat: a commit whose reply was lost is retried like one that never happened.
/// </summary>
internal sealed class PostgresConnector : IAsyncDisposable
{
    private readonly PostgresStoreOptions _options;
    private readonly Lock _gate = new();
    private long _outageStarted;   // Stopwatch timestamp; 0 while the database answers
    private long _outageRetries;

    public PostgresConnector(PostgresStoreOptions options)
    {
        _options = options;
        DataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var unpooled = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false };
        Unpooled = NpgsqlDataSource.Create(unpooled.ConnectionString);
    }

    /// <summary>Pooled connections for short operations.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Connections that must never go back to a pool: session advisory locks and the LISTEN connection.</summary>
    public NpgsqlDataSource Unpooled { get; }

    public PostgresStoreOptions Options => _options;

    public void Log(string message) => _options.Log?.Invoke(message);

    /// <summary>Runs <paramref name="operation"/> on an open connection, retrying transient failures.</summary>
    public async Task<T> RunAsync<T>(string what, Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                T result;
                await using (var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
                    result = await operation(connection, cancellationToken).ConfigureAwait(false);
                Recovered();
                return result;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsTransient(e))
            {
                if (_options.MaxRetries is { } max && attempt >= max) throw;
                Failed(what, e);
                DataSource.Clear();
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs <paramref name="operation"/> in one transaction, committed after it returns, retrying transient failures as a whole.</summary>
    public Task<T> TransactAsync<T>(string what, Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken) =>
        RunAsync(what, async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            var result = await operation(connection, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return result;
        }, cancellationToken);

    /// <summary>The wait before retry <paramref name="attempt"/> (0-based): doubling from the initial delay, capped, ±50% jitter.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var baseMs = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryInitialDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(baseMs * (0.5 + Random.Shared.NextDouble()));
    }

    /// <summary>A failure that going away and trying again can fix: the server is restarting, unreachable, or broke the session.</summary>
    public static bool IsTransient(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case PostgresException pg:
                    return pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState is "57P01" or "57P02" or "57P03" or "40001" or "40P01" or "53300" or "53400";
                case NpgsqlException npg when npg.IsTransient:
                case SocketException:
                case IOException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }

    public void Failed(string what, Exception e)
    {
        lock (_gate)
        {
            _outageRetries++;
            if (_outageStarted != 0) return;
            _outageStarted = Stopwatch.GetTimestamp();
        }
        Log($"postgres: {what} failed ({Describe(e)}); retrying with backoff up to {_options.RetryMaxDelay.TotalSeconds:0.#} s until the database answers");
    }

    public void Recovered()
    {
        long started, retries;
        lock (_gate)
        {
            if (_outageStarted == 0) return;
            (started, retries) = (_outageStarted, _outageRetries);
            (_outageStarted, _outageRetries) = (0, 0);
        }
        Log(string.Create(CultureInfo.InvariantCulture,
            $"postgres: the database answers again after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s ({retries} retried operations)"));
    }

    public static string Describe(Exception e) => e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : e.GetBaseException().Message;

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync().ConfigureAwait(false);
        await Unpooled.DisposeAsync().ConfigureAwait(false);
    }
}

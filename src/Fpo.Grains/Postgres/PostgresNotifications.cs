using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>
/// One LISTEN connection per store set on <see cref="PostgresSchema.Channel"/>, started on first use. Waiters take the
/// signal of a key ("s:run/stream", "p:run") before they look at the database and wait on it after finding nothing, so
/// a notification between the two is not missed. The connection is re-opened after it drops (with the connector's
/// backoff), and every signal fires then, because notifications sent while it was down are lost. Waiters also poll,
/// so a lost notification costs at most one poll interval.
/// </summary>
internal sealed class PostgresNotifications : IAsyncDisposable
{
    private readonly PostgresConnector _connector;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TaskCompletionSource> _signals = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _listening;

    public PostgresNotifications(PostgresConnector connector) => _connector = connector;

    /// <summary>A task that completes at the next notification of <paramref name="key"/> (or reconnect).</summary>
    public Task Next(string key)
    {
        lock (_gate)
        {
            _listening ??= Task.Run(() => ListenAsync(_stop.Token));
            if (!_signals.TryGetValue(key, out var signal)) _signals[key] = signal = NewSignal();
            return signal.Task;
        }
    }

    /// <summary>Waits for the next notification of <paramref name="signal"/>'s key or <paramref name="timeout"/>, whichever comes first.</summary>
    public static async Task WaitAsync(Task signal, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero) return;
        using var nap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(signal, Task.Delay(timeout, nap.Token)).ConfigureAwait(false);
        await nap.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        for (var attempt = 0; !stop.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var connection = await _connector.Unpooled.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, e) => Fire(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {PostgresSchema.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                attempt = 0;
                _connector.Recovered();
                FireAll();
                while (true) await connection.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (PostgresConnector.IsTransient(e))
            {
                _connector.Failed("listening for notifications", e);
                FireAll();
                try { await Task.Delay(_connector.Backoff(attempt), stop).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
            catch (Exception e)
            {
                // Not something retrying fixes (e.g. a permission error): stay without notifications; waiters still poll.
                _connector.Log($"postgres: stopped listening for notifications ({PostgresConnector.Describe(e)}); waiting falls back to polling");
                return;
            }
        }
    }

    private void Fire(string key)
    {
        TaskCompletionSource? signal;
        lock (_gate) _signals.Remove(key, out signal);
        signal?.SetResult();
    }

    private void FireAll()
    {
        List<TaskCompletionSource> all;
        lock (_gate)
        {
            all = [.. _signals.Values];
            _signals.Clear();
        }
        foreach (var signal in all) signal.SetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? listening;
        lock (_gate) listening = _listening;
        if (listening is not null) await listening.ConfigureAwait(false);
        _stop.Dispose();
        FireAll();
    }
}

using Npgsql;

namespace Fpo.Grains.Postgres;

/// <summary>Small helpers for parameterized commands, so each store reads as its SQL.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, string text, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    public static async Task<int> ExecuteAsync(NpgsqlConnection connection, string text, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, text, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string text, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, text, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull
            ? default!
            : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads every row with <paramref name="read"/>.</summary>
    public static async Task<List<T>> ListAsync<T>(NpgsqlConnection connection, string text, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = Command(connection, text, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) rows.Add(read(reader));
        return rows;
    }

    /// <summary>A 64-bit advisory lock key for <paramref name="parts"/> (a run and what is locked), stable across processes.</summary>
    public static long LockKey(params string[] parts) =>
        BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("fpo\0" + string.Join('\0', parts))));
}

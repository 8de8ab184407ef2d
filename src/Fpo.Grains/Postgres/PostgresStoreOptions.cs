using Fpo.Grains.Stores;

namespace Fpo.Grains.Postgres;

/// <summary>
/// How a <see cref="PostgresRunStores"/> reaches its database and rides out outages. Many runs share one database,
/// keyed by <see cref="RunId"/>; the connection string comes from the environment (never from a file in the repo).
/// </summary>
public sealed record PostgresStoreOptions
{
    /// <summary>An Npgsql connection string, e.g. "Host=127.0.0.1;Port=5432;Username=fpo;Password=…;Database=fpo".</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The run: 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.'.</summary>
    public required string RunId { get; init; }

    /// <summary>Where the stores report outages and recoveries (one line each, not one per retry); silent when null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The first wait after a transient failure; doubled per retry (with ±50% jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of one operation before its transient failure escapes; null retries until cancelled.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>How often snapshot watchers look again when no notification arrives (a missed LISTEN/NOTIFY).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where snapshot bytes go: null keeps them in the database (bytea chunks); set, they go to blob storage and the
    /// database keeps the descriptions, the blob names and the lineage.
    /// </summary>
    public Blob.BlobSnapshotOptions? Blobs { get; init; }

    /// <summary>Bytes per stored snapshot chunk (one bytea row).</summary>
    public int SnapshotChunkBytes { get; init; } = 1 << 20;

    internal PostgresStoreOptions Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ConnectionString);
        RunNames.CheckRun(RunId);
        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
            throw new ArgumentException($"retry delays must satisfy 0 < initial ({RetryInitialDelay}) <= max ({RetryMaxDelay})");
        if (MaxRetries is < 0) throw new ArgumentException($"max retries is {MaxRetries}; use 0 or more, or null for no limit");
        if (PollInterval <= TimeSpan.Zero) throw new ArgumentException($"poll interval is {PollInterval}; it must be positive");
        Blobs?.Validate();
        if (SnapshotChunkBytes is < 4096 or > 64 << 20) throw new ArgumentException($"snapshot chunk size is {SnapshotChunkBytes} bytes; use 4 KiB to 64 MiB");
        return this;
    }
}

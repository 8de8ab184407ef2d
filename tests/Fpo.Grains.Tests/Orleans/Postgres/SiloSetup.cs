using Fpo.Grains.Orleans.Postgres;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>What the silos of one test share: the database, the service and cluster ids, the signals, stream delivery.</summary>
public sealed record SiloSetup(string ConnectionString, string ServiceId, string ClusterId, SiloSignals Signals)
{
    /// <summary>The grain storage the test grains keep their state in.</summary>
    public const string Storage = "state";

    /// <summary>The stream provider of the test grains.</summary>
    public const string Streams = "work";

    public PostgresStreamOptions StreamOptions { get; init; } = new()
    {
        MaxAttempts = 3,
        PollInterval = TimeSpan.FromMilliseconds(50),
        MaxDeliveryTime = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A setup no other test uses (its own service and cluster ids) on <paramref name="connectionString"/>.</summary>
    public static SiloSetup Fresh(string connectionString, string prefix) =>
        new(connectionString, $"{prefix}-{Guid.NewGuid():N}", $"{prefix}-cluster-{Guid.NewGuid():N}", new SiloSignals());

    /// <summary>The same service (so the same grain state and reminders) under a new cluster id.</summary>
    public SiloSetup NextCluster() => this with { ClusterId = $"{ClusterId}-next" };
}

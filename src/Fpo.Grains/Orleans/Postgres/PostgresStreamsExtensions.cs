using Orleans.Hosting;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Persistent streams in PostgreSQL (OrleansStreamMessage, OrleansStreamDeadLetter) through Orleans' ADO.NET stream
/// provider. Consumers subscribe implicitly (<c>[ImplicitStreamSubscription("namespace")]</c>), so no pub-sub grain
/// state is kept; explicit subscriptions would need a "PubSubStore" grain storage and another pub-sub type. The silo
/// prepares the schema first (<see cref="PostgresOrleansSchema"/>).
/// </summary>
public static class PostgresStreamsExtensions
{
    public static ISiloBuilder AddPostgresStreams(this ISiloBuilder builder, string name, string connectionString, PostgresStreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var delivery = options ?? new PostgresStreamOptions();
        Validate(delivery);
        builder.Services.AddPostgresOrleansSchema(connectionString);
        return builder.AddAdoNetStreams(name, stream =>
        {
            stream.ConfigureAdoNet(o => o.Configure(adoNet =>
            {
                adoNet.Invariant = PostgresOrleansSchema.Invariant;
                adoNet.ConnectionString = connectionString;
                adoNet.MaxAttempts = delivery.MaxAttempts;
                adoNet.VisibilityTimeout = delivery.VisibilityTimeout;
                adoNet.ExpiryTimeout = delivery.ExpiryTimeout;
                adoNet.DeadLetterEvictionTimeout = delivery.DeadLetterRetention;
            }));
            stream.ConfigurePartitioning(delivery.Queues);
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            stream.ConfigurePullingAgent(o => o.Configure(agent =>
            {
                agent.GetQueueMsgsTimerPeriod = delivery.PollInterval;
                agent.MaxEventDeliveryTime = delivery.MaxDeliveryTime;
            }));
        });
    }

    private static void Validate(PostgresStreamOptions options)
    {
        if (options.Queues < 1) throw new ArgumentException($"a stream provider needs at least one queue, not {options.Queues}");
        if (options.MaxAttempts < 1) throw new ArgumentException($"max attempts is {options.MaxAttempts}; a message needs at least one delivery");
        foreach (var (what, value) in new[]
        {
            ("visibility timeout", options.VisibilityTimeout), ("expiry timeout", options.ExpiryTimeout),
            ("dead-letter retention", options.DeadLetterRetention), ("poll interval", options.PollInterval),
            ("max delivery time", options.MaxDeliveryTime),
        })
        {
            if (value <= TimeSpan.Zero) throw new ArgumentException($"the stream {what} is {value}; it must be positive");
        }
    }
}

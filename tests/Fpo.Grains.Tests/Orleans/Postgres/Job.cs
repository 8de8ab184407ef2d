using Orleans;

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>A stream event for <see cref="JobConsumerGrain"/>: it waits at gate <paramref name="HoldUntil"/> if set, and throws if <paramref name="Fails"/>.</summary>
[GenerateSerializer]
[Alias("fpo.tests.Job")]
public sealed record Job([property: Id(0)] string Id, [property: Id(1)] string? HoldUntil = null, [property: Id(2)] bool Fails = false);

namespace Fpo.Grains.Backbone;

/// <summary>
/// A record held by one consumer until <see cref="Deadline"/>. <see cref="LeaseToken"/> tells this delivery from a later
/// one of the same record, so acknowledging after the lease moved on does nothing. <see cref="DeliveryCount"/> is 1 on
/// the first delivery.
/// </summary>
public sealed record Leased<T>(string Id, T Value, int DeliveryCount, long LeaseToken, DateTimeOffset Deadline);

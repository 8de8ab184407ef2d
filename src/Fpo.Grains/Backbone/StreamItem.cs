namespace Fpo.Grains.Backbone;

/// <summary>A record to publish: its idempotency key and its value.</summary>
public sealed record StreamItem<T>(string Id, T Value);

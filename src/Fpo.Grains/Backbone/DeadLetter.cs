namespace Fpo.Grains.Backbone;

/// <summary>A record that failed too often: what it was, how often it was delivered, and the last error.</summary>
public sealed record DeadLetter<T>(string Id, T Value, int Deliveries, string Error, DateTimeOffset DiedAt);

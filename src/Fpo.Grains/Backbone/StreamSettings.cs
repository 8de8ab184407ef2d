namespace Fpo.Grains.Backbone;

/// <summary>How a stream treats failures: after <see cref="MaxDeliveries"/> deliveries without an acknowledgement a record is dead-lettered.</summary>
public sealed record StreamSettings
{
    public int MaxDeliveries { get; init; } = 5;
}

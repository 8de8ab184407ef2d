using Fpo.Grains.Backbone;

namespace Fpo.Grains.Embedded;

/// <summary>A claim on a role within one embedded backbone; lost only when the backbone is disposed under it.</summary>
internal sealed class EmbeddedLeadership(string role, Action<EmbeddedLeadership> release) : ILeadership
{
    private readonly CancellationTokenSource _lost = new();
    private int _disposed;

    public string Role { get; } = role;
    public CancellationToken Lost => _lost.Token;

    /// <summary>The backbone closed while this claim was held.</summary>
    public void MarkLost() => _lost.Cancel();

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) release(this);
        return ValueTask.CompletedTask;
    }
}

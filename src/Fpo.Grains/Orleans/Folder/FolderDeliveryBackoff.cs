using Orleans.Runtime.Providers;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// The pause before Orleans delivers a failed record again. Without it Orleans waits 1 s, then doubling up to 30 s, so
/// <see cref="FolderStreamOptions.MaxAttempts"/> would take minutes to run out.
/// </summary>
internal sealed class FolderDeliveryBackoff(TimeSpan delay) : IMessageDeliveryBackoffProvider
{
    public TimeSpan Next(int attempt) => delay;
}

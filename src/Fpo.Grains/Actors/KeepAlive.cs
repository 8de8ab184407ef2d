using Orleans;
namespace Fpo.Grains.Actors;

/// <summary>
/// A reminder that brings a run's singleton grain (prompt source, trainer, evaluator) back after its silo died: nothing
/// else may call it again (the trainer also wakes on its stream; a prompt source whose batches all settled does not),
/// and a reminder survives deactivation. Its tick does nothing: activating restarts the grain's timers from its state.
/// </summary>
internal static class KeepAlive
{
    public const string Name = "keep-running";
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    public static Task RegisterAsync(Grain grain) => grain.RegisterOrUpdateReminder(Name, Period, Period);

    public static async Task UnregisterAsync(Grain grain)
    {
        if (await grain.GetReminder(Name).ConfigureAwait(true) is { } reminder) await grain.UnregisterReminder(reminder).ConfigureAwait(true);
    }
}

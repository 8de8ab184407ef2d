using Orleans;
using Orleans.Runtime;

namespace Fpo.Grains.Tests.Orleans.Postgres;

[Alias("fpo.tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Start")]
    Task StartAsync(TimeSpan dueTime);
}

/// <summary>Registers a reminder and reports each tick under <see cref="Topic"/> as "key@silo".</summary>
public sealed class ReminderProbeGrain(SiloSignals signals, ILocalSiloDetails silo) : Grain, IReminderProbeGrain, IRemindable
{
    public const string Topic = "reminder";

    // Orleans refuses periods under a minute by default; the first tick comes after dueTime.
    public Task StartAsync(TimeSpan dueTime) => this.RegisterOrUpdateReminder("probe", dueTime, TimeSpan.FromMinutes(1));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        signals.Record(Topic, $"{this.GetPrimaryKeyString()}@{silo.SiloAddress}");
        return Task.CompletedTask;
    }
}

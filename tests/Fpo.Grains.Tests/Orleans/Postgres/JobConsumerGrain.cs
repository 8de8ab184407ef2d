using Orleans;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.Tests.Orleans.Postgres;

[Alias("fpo.tests.IJobConsumerGrain")]
public interface IJobConsumerGrain : IGrainWithStringKey;

/// <summary>
/// The implicit consumer of the streams in <see cref="Jobs"/> and <see cref="Audits"/>: one activation per stream.
/// Reports each delivery under <see cref="Attempted"/> as "namespace/id@silo", and each one it completes under
/// <see cref="Delivered"/>.
/// </summary>
[ImplicitStreamSubscription(Jobs)]
[ImplicitStreamSubscription(Audits)]
public sealed class JobConsumerGrain(SiloSignals signals, ILocalSiloDetails silo) : Grain, IJobConsumerGrain, IStreamSubscriptionObserver
{
    public const string Jobs = "jobs";
    public const string Audits = "audits";
    public const string Attempted = "attempted";
    public const string Delivered = "delivered";

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        var stream = handleFactory.StreamId.GetNamespace();
        await handleFactory.Create<Job>().ResumeAsync(async (job, _) =>
        {
            var what = $"{stream}/{job.Id}@{silo.SiloAddress}";
            signals.Record(Attempted, what);
            if (job.HoldUntil is { } gate) await signals.Gate(gate);
            if (job.Fails) throw new InvalidOperationException($"job {job.Id} always fails");
            signals.Record(Delivered, what);
        });
    }
}

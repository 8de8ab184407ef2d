using Fpo.Grains.Loop;
using System.Globalization;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Work;

namespace Fpo.Grains.Roles;

/// <summary>
/// Publishes the training prompts in a seeded order, reshuffled each pass, each publication under a fresh id
/// "prompt-NNNNNNNN" numbered on from what the stream already holds (so a resumed run neither reuses an id nor
/// restarts the cycle). Back-pressure: it publishes only while the prompts and unjudged pairs in flight stay under
/// <paramref name="maxInFlight"/>, so queues never grow without bound when the trainer is the slow stage.
/// </summary>
public sealed class PromptSourceGrain(IStream<PromptRecord> prompts, IReadOnlyList<IStream<RolloutPair>> downstream,
    IReadOnlyList<string> texts, int batchSize, int maxInFlight, int seed, LeaseSettings leases) : IPollingGrain
{
    private readonly PromptOrder _order = new(texts, seed);
    private long _next = -1;

    public string Name => "prompt-source";
    public long Published => Math.Max(0, _next);

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        if (texts.Count == 0) throw new InvalidOperationException("the prompt source has no prompts");
        if (_next < 0) _next = (await prompts.CountsAsync(cancellationToken).ConfigureAwait(false)).Published;
        var inFlight = await InFlightAsync(cancellationToken).ConfigureAwait(false);
        var room = Math.Min(batchSize, maxInFlight - inFlight);
        if (room <= 0)
        {
            await Task.Delay(leases.Wait, cancellationToken).ConfigureAwait(false);
            return false;
        }
        var items = new List<StreamItem<PromptRecord>>((int)room);
        for (var i = 0; i < room; i++, _next++)
        {
            var id = "prompt-" + _next.ToString("D8", CultureInfo.InvariantCulture);
            items.Add(new StreamItem<PromptRecord>(id, new PromptRecord(id, _order.Text(_next))));
        }
        await prompts.PublishAsync(items, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<long> InFlightAsync(CancellationToken cancellationToken)
    {
        var counts = await prompts.CountsAsync(cancellationToken).ConfigureAwait(false);
        var total = counts.Pending + counts.Leased;
        foreach (var stream in downstream)
        {
            var c = await stream.CountsAsync(cancellationToken).ConfigureAwait(false);
            total += c.Pending + c.Leased;
        }
        return total;
    }
}

using Fpo.Grains.Loop;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Work;

namespace Fpo.Grains.Roles;

/// <summary>
/// The polling judge grain of the backbone's runtime around <see cref="JudgeWork"/>: the whole batch is acknowledged in
/// one forward step, abstentions included, but only labels are published. A pair whose judging threw is given back with
/// the error: delivered again, and dead-lettered with it after the stream's limit.
/// </summary>
public sealed class JudgeGrain(string name, IBackbone backbone, IStream<RolloutPair> annotated, IStream<PreferencePair> preferences,
    IJudge judge, int batchSize, LeaseSettings leases) : IPollingGrain
{
    private readonly JudgeWork _work = new(judge);
    private long _labelled, _abstained;

    public string Name => name;
    public long Labelled => Interlocked.Read(ref _labelled);
    public long Abstained => Interlocked.Read(ref _abstained);

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var leased = await annotated.LeaseAsync(batchSize, leases.Visibility, leases.Wait, cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0) return false;
        var outcome = await _work.JudgeAsync([.. leased.Select(l => l.Value)], cancellationToken).ConfigureAwait(false);
        var failed = outcome.Failures.ToDictionary(f => f.PairId, f => f.Error);
        foreach (var record in leased.Where(l => failed.ContainsKey(l.Id)))
            await annotated.FailAsync(record, failed[record.Id], cancellationToken).ConfigureAwait(false);
        var judged = leased.Where(l => !failed.ContainsKey(l.Id)).ToList();
        var produced = outcome.Labels.Select(p => new StreamItem<PreferencePair>(p.Id, p)).ToList();
        await backbone.ForwardAsync(annotated, judged, preferences, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _labelled, produced.Count);
        Interlocked.Add(ref _abstained, outcome.Abstained);
        return true;
    }
}

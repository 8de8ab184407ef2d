using Fpo.Alignment.Judges;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Roles;

/// <summary>
/// <see cref="IJudgeGrain"/> around an <see cref="IJudge"/> (which judges both orders itself where it reads a model):
/// each annotated pair becomes a preference oriented by the label — chosen is the response the judge prefers, the
/// label P(chosen better) ≥ 0.5, the reference data and the per-order probabilities swapped with it. The whole batch is
/// acknowledged in one forward step, abstentions included, but only labels are published: an abstention is counted
/// here (and by the judge per reason) and never reaches the trainer.
/// </summary>
public sealed class JudgeGrain(string name, IBackbone backbone, IStream<RolloutPair> annotated, IStream<PreferencePair> preferences,
    IJudge judge, int batchSize, LeaseSettings leases) : IJudgeGrain
{
    private long _labelled, _abstained;

    public string Name => name;
    public long Labelled => Interlocked.Read(ref _labelled);
    public long Abstained => Interlocked.Read(ref _abstained);

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        var leased = await annotated.LeaseAsync(batchSize, leases.Visibility, leases.Wait, cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0) return false;
        var verdicts = await Task.WhenAll(leased.Select(l =>
            judge.JudgeAsync(new JudgeRequest(l.Value.Prompt, l.Value.ResponseA, l.Value.ResponseB) { Id = l.Id }, cancellationToken))).ConfigureAwait(false);
        var produced = new List<StreamItem<PreferencePair>>();
        for (var i = 0; i < leased.Count; i++)
        {
            if (!verdicts[i].IsLabel) continue;
            produced.Add(new StreamItem<PreferencePair>(leased[i].Id, JudgedPreference.Orient(leased[i].Value.AsPreference(), verdicts[i], judge)));
        }
        await backbone.ForwardAsync(annotated, leased, preferences, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _labelled, produced.Count);
        Interlocked.Add(ref _abstained, leased.Count - produced.Count);
        return true;
    }
}

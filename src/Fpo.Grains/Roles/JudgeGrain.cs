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
/// here (and by the judge per reason) and never reaches the trainer. A judge that throws instead of abstaining (a bug, not
/// a verdict) fails that record alone: it is delivered again, and dead-lettered with the error after the stream's limit,
/// while the rest of the batch goes on.
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
        var verdicts = await Task.WhenAll(leased.Select(l => JudgeOrFailAsync(l, cancellationToken))).ConfigureAwait(false);
        var produced = new List<StreamItem<PreferencePair>>();
        var judged = new List<Leased<RolloutPair>>();
        for (var i = 0; i < leased.Count; i++)
        {
            if (verdicts[i] is not { } verdict) continue;
            judged.Add(leased[i]);
            if (verdict.IsLabel) produced.Add(new StreamItem<PreferencePair>(leased[i].Id, JudgedPreference.Orient(leased[i].Value.AsPreference(), verdict, judge)));
        }
        await backbone.ForwardAsync(annotated, judged, preferences, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _labelled, produced.Count);
        Interlocked.Add(ref _abstained, judged.Count - produced.Count);
        return true;
    }

    // The verdict, or null when the judge threw (the record is given back with the error).
    private async Task<JudgeVerdict?> JudgeOrFailAsync(Leased<RolloutPair> pair, CancellationToken cancellationToken)
    {
        try
        {
            return await judge.JudgeAsync(new JudgeRequest(pair.Value.Prompt, pair.Value.ResponseA, pair.Value.ResponseB) { Id = pair.Id }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await annotated.FailAsync(pair, $"judge {judge.Name} threw {e.GetType().Name}: {e.Message}", cancellationToken).ConfigureAwait(false);
            return null;
        }
    }
}

using Fpo.Alignment.Judges;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Contracts;

namespace Fpo.Grains.Work;

/// <summary>
/// What a judge grain computes around an <see cref="IJudge"/> (which judges both orders itself where it reads a model):
/// every pair of a batch is judged concurrently; a label becomes a preference oriented by it — chosen is the response
/// the judge prefers, the label P(chosen better) ≥ 0.5, the reference data and per-order probabilities swapped with
/// it. An abstention is counted and yields nothing. A judge that throws instead of abstaining (a bug, not a verdict)
/// fails that pair alone, with the error, while the rest of the batch goes on.
/// </summary>
public sealed class JudgeWork(IJudge judge)
{
    public async Task<JudgeOutcome> JudgeAsync(IReadOnlyList<RolloutPair> pairs, CancellationToken cancellationToken)
    {
        var verdicts = await Task.WhenAll(pairs.Select(p => JudgeOrErrorAsync(p, cancellationToken))).ConfigureAwait(false);
        var labels = new List<PreferencePair>();
        var failures = new List<(string, string)>();
        var abstained = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            var (verdict, error) = verdicts[i];
            if (error is not null) failures.Add((pairs[i].Id, error));
            else if (verdict!.IsLabel) labels.Add(JudgedPreference.Orient(pairs[i].AsPreference(), verdict, judge));
            else abstained++;
        }
        return new JudgeOutcome(labels, abstained, failures);
    }

    private async Task<(JudgeVerdict?, string?)> JudgeOrErrorAsync(RolloutPair pair, CancellationToken cancellationToken)
    {
        try
        {
            return (await judge.JudgeAsync(new JudgeRequest(pair.Prompt, pair.ResponseA, pair.ResponseB) { Id = pair.Id }, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, $"judge {judge.Name} threw {e.GetType().Name}: {e.Message}");
        }
    }
}

/// <summary>The labels of a judged batch, how many pairs the judge abstained on, and the pairs whose judging threw, with the error.</summary>
public sealed record JudgeOutcome(IReadOnlyList<PreferencePair> Labels, int Abstained, IReadOnlyList<(string PairId, string Error)> Failures);

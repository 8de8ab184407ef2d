using Orleans;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Runs;
using Fpo.Grains.Work;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="IJudgeGrain"/> around <see cref="JudgeWork"/> with the run's judge: sends a batch's labels to the run's
/// preference stream, counts its abstentions, dead-letters the pairs whose judging threw (with the error), and then
/// tells the prompt source when the batch has left the data path here (no label to train). A batch whose tally is in
/// the journal was judged and its labels sent on before: a redelivery of it (after a crash, before its delivery was
/// acknowledged) is skipped, so no judge call is paid twice.
/// </summary>
[RolePlacement(RoleNames.Judge)]
[ImplicitStreamSubscription(StreamNamespaces.Annotated)]
public sealed class JudgeGrain(RunCatalog runs) : Grain, IJudgeGrain, IStreamSubscriptionObserver
{
    private RunContext _run = null!;
    private JudgeWork _work = null!;
    private readonly HashSet<string> _judged = new(StringComparer.Ordinal);
    private long _labelled, _abstained;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _run = await runs.GetAsync(GrainKeys.ParsePartition(this.GetPrimaryKeyString()).RunId, cancellationToken).ConfigureAwait(true);
        _work = new JudgeWork(_run.Assets.Judge);
        foreach (var entry in await _run.Stores.Journal.ReadAsync(JournalKinds.JudgedBatch, 0, int.MaxValue, cancellationToken).ConfigureAwait(true))
            _judged.Add(entry.Id);
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => DataPath.ResumeAsync<PairBatch>(handleFactory, OnBatchAsync);

    public Task<JudgeStatus> StatusAsync() => Task.FromResult(new JudgeStatus(_labelled, _abstained));

    private async Task OnBatchAsync(PairBatch batch, StreamSequenceToken? token)
    {
        _run.Abandoned.ThrowIfCancellationRequested();
        if (_judged.Contains(batch.Id)) return;
        var outcome = await _work.JudgeAsync(batch.Pairs, _run.Abandoned).ConfigureAwait(true);
        foreach (var (id, error) in outcome.Failures)
            await GrainJournal.DeadLetterAsync(_run.Stores, StreamNamespaces.Annotated, id, error, _run.Abandoned).ConfigureAwait(true);
        if (outcome.Labels.Count > 0)
            await this.Stream<JudgedBatch>(StreamNamespaces.Preferences, _run.RunId).OnNextAsync(new JudgedBatch(batch.Id, outcome.Labels)).ConfigureAwait(true);
        await GrainJournal.TallyAsync(_run.Stores, JournalKinds.JudgedBatch, batch.Id,
            new BatchTally(batch.Pairs.Count, outcome.Labels.Count, outcome.Abstained, outcome.Failures.Count, [.. outcome.Labels.Select(l => l.Id)]), _run.Abandoned).ConfigureAwait(true);
        _judged.Add(batch.Id);
        _labelled += outcome.Labels.Count;
        _abstained += outcome.Abstained;
        // A batch with labels settles once the trainer has trained them; one without leaves the data path here.
        if (outcome.Labels.Count == 0) await GrainFactory.GetGrain<IPromptSourceGrain>(_run.RunId).SettledAsync(batch.Id).ConfigureAwait(true);
    }
}

using Orleans.Runtime;
using Orleans;
using System.Globalization;
using Fpo.Grains.Cluster;
using Fpo.Grains.Contracts;
using Fpo.Grains.Placement;
using Fpo.Grains.Runs;
using Fpo.Grains.Work;
using Microsoft.Extensions.Logging;

namespace Fpo.Grains.Actors;

/// <summary>
/// <see cref="IPromptSourceGrain"/>. A timer publishes whole batches, round-robin over the partitions, while the
/// batches outstanding (published and not yet settled: trained, or off the path without a label) hold fewer than
/// loop.max_in_flight prompts. The stream write comes before the state write: a crash in between republishes the same ids, which
/// downstream stages recognise, rather than losing a batch. A batch that has not settled within
/// <see cref="OutstandingTimeout"/> is assumed lost on the way (a dead-lettered delivery) and frees its room.
/// </summary>
[RolePlacement(RoleNames.PromptSource)]
public sealed class PromptSourceGrain(
    RunCatalog runs,
    ILogger<PromptSourceGrain> log,
    [PersistentState("prompt-source", FpoProviders.Storage)] IPersistentState<PromptSourceState> state) : Grain, IPromptSourceGrain, IRemindable
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan OutstandingTimeout = TimeSpan.FromMinutes(10);

    private RunContext _run = null!;
    private PromptOrder _order = null!;
    private IGrainTimer? _timer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _run = await runs.GetAsync(this.GetPrimaryKeyString(), cancellationToken).ConfigureAwait(true);
        if (_run.Assets.TrainPrompts.Count == 0) throw new InvalidOperationException($"run {_run.RunId}: the prompt source has no training prompts");
        _order = new PromptOrder(_run.Assets.TrainPrompts, _run.Settings.PromptSeed);
        if (state.State.Running) StartTimer();
    }

    public async Task StartAsync()
    {
        if (!state.State.Running)
        {
            state.State.Running = true;
            await state.WriteStateAsync().ConfigureAwait(true);
        }
        StartTimer();
        await KeepAlive.RegisterAsync(this).ConfigureAwait(true);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public async Task StopAsync()
    {
        _timer?.Dispose();
        _timer = null;
        await KeepAlive.UnregisterAsync(this).ConfigureAwait(true);
        if (!state.State.Running) return;
        state.State.Running = false;
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    /// <summary>Prompt <paramref name="n"/> of this run: "RUN/prompt-n", so record ids are unique across the runs of a cluster.</summary>
    private string PromptId(long n) => _run.RunId + "/prompt-" + n.ToString("D8", CultureInfo.InvariantCulture);

    public async Task SettledAsync(string batchId)
    {
        if (state.State.Outstanding.Remove(batchId)) await state.WriteStateAsync().ConfigureAwait(true);
    }

    public Task<long> PublishedAsync() => Task.FromResult(state.State.Next);

    private void StartTimer() => _timer ??= this.RegisterGrainTimer(PublishAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Tick) { KeepAlive = true });

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        ExpireOutstanding();
        var size = _run.Settings.Rollout.BatchPrompts;
        while (!cancellationToken.IsCancellationRequested && (state.State.Outstanding.Count + 1) * size <= _run.Settings.MaxInFlight)
        {
            var first = state.State.Next;
            var prompts = new PromptRecord[size];
            for (var i = 0; i < size; i++) prompts[i] = new PromptRecord(PromptId(first + i), _order.Text(first + i));
            var batch = new PromptBatch(prompts[0].Id, prompts);
            var partition = (int)(first / size % _run.Partitions);
            await this.Stream<PromptBatch>(StreamNamespaces.Prompts, GrainKeys.Partition(_run.RunId, partition)).OnNextAsync(batch).ConfigureAwait(true);
            state.State.Next = first + size;
            state.State.Outstanding[batch.Id] = DateTimeOffset.UtcNow;
            await state.WriteStateAsync(_run.Abandoned).ConfigureAwait(true);
        }
    }

    private void ExpireOutstanding()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, at) in state.State.Outstanding.Where(o => now - o.Value > OutstandingTimeout).ToList())
        {
            log.LogWarning("run {Run}: prompt batch {Batch} published at {At:O} never settled; freeing its room in flight", _run.RunId, id, at);
            state.State.Outstanding.Remove(id);
        }
    }
}

/// <summary>The prompt source's cursor: whether it publishes, the run's next prompt number, and the batches in flight.</summary>
[GenerateSerializer, Alias("fpo.PromptSourceState")]
public sealed class PromptSourceState
{
    [Id(0)] public bool Running { get; set; }
    [Id(1)] public long Next { get; set; }
    [Id(2)] public Dictionary<string, DateTimeOffset> Outstanding { get; set; } = new(StringComparer.Ordinal);
}

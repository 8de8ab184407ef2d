using Fpo.Grains.Loop;
using System.Globalization;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Grains.Work;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Roles;

/// <summary>
/// The polling rollout grain of the backbone's runtime around <see cref="RolloutWork"/>: per batch it first moves to the
/// newest snapshot (so a batch is sampled by one policy version), leases prompts, samples them, merges the batch's
/// feature statistics, and forwards prompts → pairs in one step. A prompt that cannot be sampled fails with the reason
/// (and, after retries, is dead-lettered with it).
/// </summary>
public sealed class RolloutGrain : IPollingGrain
{
    private readonly IBackbone _backbone;
    private readonly IStream<PromptRecord> _prompts;
    private readonly IStream<RolloutPair> _pairs;
    private readonly RolloutWork _work;
    private readonly RolloutSettings _settings;
    private readonly LeaseSettings _leases;
    private long _pairsProduced, _switches;

    public RolloutGrain(string name, IBackbone backbone, IStream<PromptRecord> prompts, IStream<RolloutPair> pairs, ModelConfig config,
        BpeTokenizer tokenizer, Func<string, int[]> encodePrompt, SaeWeights? sae, RolloutSettings settings, LeaseSettings leases)
    {
        Name = name;
        _backbone = backbone;
        _prompts = prompts;
        _pairs = pairs;
        _work = new RolloutWork(config, tokenizer, encodePrompt, sae, settings);
        _settings = settings;
        _leases = leases;
    }

    public string Name { get; }
    public long PolicyVersion => _work.PolicyVersion;
    public long PairsProduced => Interlocked.Read(ref _pairsProduced);
    public long SnapshotSwitches => Interlocked.Read(ref _switches);

    /// <summary>Raised when the replica holds a newly loaded snapshot (its version), before the batch it samples.</summary>
    public event Action<long>? Switched;

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        await SwitchToLatestAsync(cancellationToken).ConfigureAwait(false);
        var leased = await _prompts.LeaseAsync(_settings.BatchPrompts, _leases.Visibility, _leases.Wait, cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0) return false;
        var outcome = _work.Sample([.. leased.Select(l => l.Value)], cancellationToken);
        var byId = leased.ToDictionary(l => l.Id);
        foreach (var (id, reason) in outcome.Failures) await _prompts.FailAsync(byId[id], reason, cancellationToken).ConfigureAwait(false);
        if (outcome.Pairs.Count == 0) return true;
        if (outcome.Statistics is { } stats)
        {
            // The delta id names the pairs, so a batch redelivered whole merges once.
            var deltaId = $"{Name}:{outcome.Pairs[0].Id}:{outcome.Pairs.Count.ToString(CultureInfo.InvariantCulture)}";
            await _backbone.FeatureStats.MergeAsync(new FeatureStatsKey(PolicyVersion, FeatureSide.Policy), deltaId, stats, cancellationToken).ConfigureAwait(false);
        }
        var consumed = outcome.Pairs.Select(p => byId[p.Id["pair-".Length..]]).ToList();
        var produced = outcome.Pairs.Select(p => new StreamItem<RolloutPair>(p.Id, p)).ToList();
        await _backbone.ForwardAsync(_prompts, consumed, _pairs, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _pairsProduced, produced.Count);
        return true;
    }

    private async Task SwitchToLatestAsync(CancellationToken cancellationToken)
    {
        var latest = await _backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{Name}: the snapshot store is empty; the loop publishes the initial policy as version 0 first");
        if (latest.Version == PolicyVersion) return;
        var switching = PolicyVersion >= 0;
        _work.Load(await _backbone.Snapshots.GetAsync(latest.Version, cancellationToken).ConfigureAwait(false));
        if (switching) Interlocked.Increment(ref _switches);
        Switched?.Invoke(PolicyVersion);
    }
}

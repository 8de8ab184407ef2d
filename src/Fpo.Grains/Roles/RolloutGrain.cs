using System.Globalization;
using Fpo.Alignment.Batching;
using Fpo.Grains.Backbone;
using Fpo.Grains.Contracts;
using Fpo.Models.Generation;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Roles;

/// <summary>
/// <see cref="IRolloutGrain"/> on a <see cref="GenerationEngine"/>: per batch it first moves to the newest snapshot (so a
/// batch is sampled by one policy version), leases prompts, draws two samples per prompt seeded from the prompt id (a
/// redelivered prompt yields the same pair, and its id "pair-{prompt id}" makes the republish a no-op), folds the SAE
/// codes of the responses into the statistics of its version, and forwards prompts → pairs in one step. A prompt the
/// tokenizer turns into no tokens fails (and, after retries, is dead-lettered with the reason).
/// </summary>
public sealed class RolloutGrain : IRolloutGrain
{
    private readonly IBackbone _backbone;
    private readonly IStream<PromptRecord> _prompts;
    private readonly IStream<RolloutPair> _pairs;
    private readonly TransformerModel _policy;
    private readonly Func<string, int[]> _encode;
    private readonly GenerationEngine _engine;
    private readonly SaeWeights? _sae;
    private readonly ResponseFeatures? _features;
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
        _policy = new TransformerModel(config);
        _encode = encodePrompt;
        _settings = settings.Validate(config.VocabSize);
        _leases = leases;
        _engine = new GenerationEngine(_policy, tokenizer, new GenerationOptions { MaxBatch = 2 * settings.BatchPrompts });
        _sae = sae;
        if (sae is not null && settings.FeatureStatistics) _features = new ResponseFeatures(sae, settings.StatisticsTopN, settings.StatisticsContextRadius);
    }

    public string Name { get; }
    public long PolicyVersion { get; private set; } = -1;
    public long PairsProduced => Interlocked.Read(ref _pairsProduced);
    public long SnapshotSwitches => Interlocked.Read(ref _switches);

    /// <summary>Raised when the replica holds a newly loaded snapshot (its version), before the batch it samples.</summary>
    public event Action<long>? Switched;

    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        await SwitchToLatestAsync(cancellationToken).ConfigureAwait(false);
        var leased = await _prompts.LeaseAsync(_settings.BatchPrompts, _leases.Visibility, _leases.Wait, cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0) return false;
        var good = new List<Leased<PromptRecord>>(leased.Count);
        var requests = new List<GenerationRequest>(leased.Count);
        foreach (var record in leased)
        {
            var tokens = _encode(record.Value.Text);
            if (tokens.Length == 0 || tokens.Length + _settings.MaxNewTokens > _engine.MaxSequenceLength)
            {
                var problem = tokens.Length == 0 ? "the prompt has no tokens" : $"the prompt's {tokens.Length} tokens plus max_new_tokens {_settings.MaxNewTokens} exceed the model's {_engine.MaxSequenceLength} positions";
                await _prompts.FailAsync(record, problem, cancellationToken).ConfigureAwait(false);
                continue;
            }
            good.Add(record);
            requests.Add(new GenerationRequest
            {
                Id = record.Id, PromptTokens = tokens, N = 2, MaxNewTokens = _settings.MaxNewTokens, Sampling = _settings.Sampling,
                StopStrings = _settings.StopStrings, Seed = StableSeed.Of(_settings.Seed, record.Id),
            });
        }
        if (good.Count == 0) return true;
        var results = _engine.Generate(requests, ct: cancellationToken);
        var produced = new List<StreamItem<RolloutPair>>(good.Count);
        var consumed = new List<Leased<PromptRecord>>(good.Count);
        for (var i = 0; i < good.Count; i++)
        {
            if (!results[i].Succeeded)
            {
                await _prompts.FailAsync(good[i], results[i].Error!, cancellationToken).ConfigureAwait(false);
                continue;
            }
            var (a, b) = (results[i].Samples[0], results[i].Samples[1]);
            var pair = new RolloutPair
            {
                Id = "pair-" + good[i].Id,
                Prompt = good[i].Value.Text,
                PromptTokens = [.. requests[i].PromptTokens],
                ResponseA = a.Text ?? "",
                ResponseATokens = [.. a.Tokens],
                ResponseB = b.Text ?? "",
                ResponseBTokens = [.. b.Tokens],
                PolicyVersion = PolicyVersion,
            };
            produced.Add(new StreamItem<RolloutPair>(pair.Id, pair));
            consumed.Add(good[i]);
        }
        if (produced.Count == 0) return true;
        if (_features is not null) await FoldStatisticsAsync(produced, cancellationToken).ConfigureAwait(false);
        await _backbone.ForwardAsync(_prompts, consumed, _pairs, produced, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _pairsProduced, produced.Count);
        return true;
    }

    private async Task SwitchToLatestAsync(CancellationToken cancellationToken)
    {
        var latest = await _backbone.Snapshots.LatestAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{Name}: the snapshot store is empty; the loop publishes the initial policy as version 0 first");
        if (latest.Version == PolicyVersion) return;
        var content = await _backbone.Snapshots.GetAsync(latest.Version, cancellationToken).ConfigureAwait(false);
        PolicySnapshot.Load(content, _policy);
        if (PolicyVersion >= 0) Interlocked.Increment(ref _switches);
        PolicyVersion = latest.Version;
        Switched?.Invoke(PolicyVersion);
    }

    // The delta id names the pairs, so a batch redelivered whole merges once.
    private async Task FoldStatisticsAsync(List<StreamItem<RolloutPair>> produced, CancellationToken cancellationToken)
    {
        var stats = Statistics(produced);
        var deltaId = $"{Name}:{produced[0].Id}:{produced.Count.ToString(CultureInfo.InvariantCulture)}";
        await _backbone.FeatureStats.MergeAsync(new FeatureStatsKey(PolicyVersion, FeatureSide.Policy), deltaId, stats, cancellationToken).ConfigureAwait(false);
    }

    // One forward over the batch's responses. Top contexts name their source: 2 × the pair's number in this grain, plus
    // 0 for response A (rows 0..B−1) and 1 for response B (rows B..2B−1).
    private Sae.Statistics.FeatureStatistics Statistics(List<StreamItem<RolloutPair>> produced)
    {
        var batch = PreferenceBatch.Create([.. produced.Select(p => p.Value.AsPreference())], _policy.Config.MaxPositions);
        _policy.Forward(batch.Inputs, batch.Rows, batch.T);
        var stats = _features!.Empty();
        var resid = _policy.ResidualPost(_sae!.Config.Layer);
        for (var r = 0; r < batch.Rows; r++) _features.FoldRow(stats, resid, batch, r, 2 * (PairsProduced + r % batch.B) + r / batch.B);
        return stats;
    }
}

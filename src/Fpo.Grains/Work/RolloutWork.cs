using Fpo.Alignment.Batching;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;
using Fpo.Models.Generation;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Work;

/// <summary>
/// What a rollout grain computes, apart from how records reach it: a policy replica with its generation engine and the
/// SAE. <see cref="Sample"/> draws two responses per prompt, seeded from the prompt id (a redelivered prompt yields the
/// same pair, whose id "pair-{prompt id}" lets downstream stages recognise it), and from the same batch folds the SAE
/// codes of the responses into feature statistics of the replica's version. A prompt it cannot sample (no tokens, too
/// long, a generation error) is returned as a failure with the reason instead of a pair.
/// </summary>
public sealed class RolloutWork
{
    private readonly TransformerModel _policy;
    private readonly Func<string, int[]> _encode;
    private readonly GenerationEngine _engine;
    private readonly SaeWeights? _sae;
    private readonly ResponseFeatures? _features;
    private readonly RolloutSettings _settings;
    private long _statisticsRows;

    public RolloutWork(ModelConfig config, BpeTokenizer tokenizer, Func<string, int[]> encodePrompt, SaeWeights? sae, RolloutSettings settings)
    {
        _policy = new TransformerModel(config);
        _encode = encodePrompt;
        _settings = settings.Validate(config.VocabSize);
        _engine = new GenerationEngine(_policy, tokenizer, new GenerationOptions { MaxBatch = 2 * settings.BatchPrompts });
        _sae = sae;
        if (sae is not null && settings.FeatureStatistics) _features = new ResponseFeatures(sae, settings.StatisticsTopN, settings.StatisticsContextRadius);
    }

    /// <summary>The snapshot version the replica holds (-1 before the first load).</summary>
    public long PolicyVersion { get; private set; } = -1;

    /// <summary>Copies snapshot <paramref name="snapshot"/>'s weights into the replica.</summary>
    public void Load(SnapshotContent snapshot)
    {
        PolicySnapshot.Load(snapshot, _policy);
        PolicyVersion = snapshot.Info.Version;
    }

    /// <summary>Samples a pair per prompt with the replica's current weights.</summary>
    public RolloutOutcome Sample(IReadOnlyList<PromptRecord> prompts, CancellationToken cancellationToken)
    {
        if (PolicyVersion < 0) throw new InvalidOperationException("the rollout replica holds no snapshot yet; load one first");
        var failures = new List<(string, string)>();
        var good = new List<PromptRecord>(prompts.Count);
        var requests = new List<GenerationRequest>(prompts.Count);
        foreach (var prompt in prompts)
        {
            var tokens = _encode(prompt.Text);
            if (tokens.Length == 0 || tokens.Length >= _engine.MaxSequenceLength)
            {
                failures.Add((prompt.Id, tokens.Length == 0 ? "the prompt has no tokens"
                    : $"the prompt's {tokens.Length} tokens leave no room for a response in the model's {_engine.MaxSequenceLength} positions"));
                continue;
            }
            good.Add(prompt);
            requests.Add(new GenerationRequest
            {
                // A long prompt leaves fewer positions than max_new_tokens: its responses end at the model's last position.
                Id = prompt.Id, PromptTokens = tokens, N = 2, MaxNewTokens = Math.Min(_settings.MaxNewTokens, _engine.MaxSequenceLength - tokens.Length),
                Sampling = _settings.Sampling,
                StopStrings = _settings.StopStrings, Seed = StableSeed.Of(_settings.Seed, prompt.Id),
            });
        }
        var pairs = new List<RolloutPair>(good.Count);
        if (good.Count == 0) return new RolloutOutcome(pairs, failures, null);
        var results = _engine.Generate(requests, ct: cancellationToken);
        for (var i = 0; i < good.Count; i++)
        {
            if (!results[i].Succeeded)
            {
                failures.Add((good[i].Id, results[i].Error!));
                continue;
            }
            var (a, b) = (results[i].Samples[0], results[i].Samples[1]);
            pairs.Add(new RolloutPair
            {
                Id = "pair-" + good[i].Id,
                Prompt = good[i].Text,
                PromptTokens = [.. requests[i].PromptTokens],
                ResponseA = a.Text ?? "",
                ResponseATokens = [.. a.Tokens],
                ResponseB = b.Text ?? "",
                ResponseBTokens = [.. b.Tokens],
                PolicyVersion = PolicyVersion,
            });
        }
        var statistics = _features is null || pairs.Count == 0 ? null : Statistics(pairs);
        return new RolloutOutcome(pairs, failures, statistics);
    }

    // One forward over the batch's responses. Top contexts name their source: 2 × the pair's number in this replica's
    // life, plus 0 for response A (rows 0..B−1) and 1 for response B (rows B..2B−1).
    private FeatureStatistics Statistics(List<RolloutPair> pairs)
    {
        var batch = PreferenceBatch.Create([.. pairs.Select(p => p.AsPreference())], _policy.Config.MaxPositions);
        _policy.Forward(batch.Inputs, batch.Rows, batch.T);
        var stats = _features!.Empty();
        var resid = _policy.ResidualPost(_sae!.Config.Layer);
        for (var r = 0; r < batch.Rows; r++) _features.FoldRow(stats, resid, batch, r, 2 * (_statisticsRows + r % batch.B) + r / batch.B);
        _statisticsRows += batch.B;
        return stats;
    }
}

/// <summary>The pairs of a rollout batch, the prompts that failed with why, and the policy-side feature statistics of the pairs (null without an SAE).</summary>
public sealed record RolloutOutcome(IReadOnlyList<RolloutPair> Pairs, IReadOnlyList<(string PromptId, string Reason)> Failures, FeatureStatistics? Statistics);

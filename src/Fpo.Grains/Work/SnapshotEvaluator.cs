using Fpo.Alignment.Batching;
using Fpo.Alignment.Evaluation;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Losses;
using Fpo.Alignment.Preferences;
using Fpo.Grains.Stores;
using Fpo.Grains.Contracts;
using Fpo.Grains.Roles;
using Fpo.Models.Generation;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Work;

/// <summary>
/// What the evaluator computes: it owns a policy replica, the frozen reference, the SAE and the judge. Per evaluated
/// snapshot it samples one response per held-out prompt (seeded per prompt, the same seeds for every snapshot), judges
/// it against the reference's cached response for the same prompt (policy as A) with the evaluation judge — the raw and
/// the length-controlled win rate with bootstrap intervals (<see cref="WinRateBootstrap"/>) — and measures on the policy's responses
/// the exact token-level KL(π_θ‖π_ref) — at each generated position over the whole vocabulary, from both models'
/// logits — and the drift D_fpo between the two models' pooled SAE features.
/// </summary>
public sealed class SnapshotEvaluator
{
    private readonly TransformerModel _policy, _reference;
    private readonly GenerationEngine _policyEngine, _referenceEngine;
    private readonly IJudge _judge;
    private readonly bool _judgeIsTrainingJudge;
    private readonly SaeWeights? _sae;
    private readonly FeaturePooling? _pooling;
    private readonly FeatureDivergence? _divergence;
    private readonly EvaluatorSettings _settings;
    private readonly IReadOnlyList<string> _prompts;
    private readonly int[][] _promptTokens;
    private readonly SequenceLogProbs _policyLogProbs = new(), _referenceLogProbs = new();
    private readonly TokenKl _kl = new();
    private GeneratedSample[]? _referenceResponses;

    public SnapshotEvaluator(ModelConfig config, TransformerModel reference, BpeTokenizer tokenizer, Func<string, int[]> encodePrompt, SaeWeights? sae,
        IJudge judge, IReadOnlyList<string> heldOutPrompts, EvaluatorSettings settings, bool judgeIsTrainingJudge = false)
    {
        if (heldOutPrompts.Count == 0) throw new ArgumentException("the evaluator needs at least one held-out prompt", nameof(heldOutPrompts));
        _settings = settings.Validate(config.VocabSize);
        _policy = new TransformerModel(config);
        _reference = reference;
        var options = new GenerationOptions { MaxBatch = Math.Min(16, heldOutPrompts.Count) };
        _policyEngine = new GenerationEngine(_policy, tokenizer, options);
        _referenceEngine = new GenerationEngine(reference, tokenizer, options);
        _judge = judge;
        _judgeIsTrainingJudge = judgeIsTrainingJudge;
        _sae = sae;
        if (sae is not null)
        {
            _pooling = new FeaturePooling(sae);
            _divergence = new FeatureDivergence(sae, settings.DriftTopK, policyOnly: false);
        }
        _prompts = heldOutPrompts;
        _promptTokens = [.. heldOutPrompts.Select((p, i) =>
        {
            var tokens = encodePrompt(p);
            if (tokens.Length == 0) throw new ArgumentException($"held-out prompt {i} has no tokens: \"{p}\"", nameof(heldOutPrompts));
            if (tokens.Length >= _policyEngine.MaxSequenceLength)
                throw new ArgumentException($"held-out prompt {i} has {tokens.Length} tokens, which leave no room for a response in the model's {_policyEngine.MaxSequenceLength} positions", nameof(heldOutPrompts));
            return tokens;
        })];
    }

    /// <summary>Scores <paramref name="content"/> against the reference on the held-out prompts.</summary>
    public async Task<SnapshotEvaluation> EvaluateAsync(SnapshotContent content, CancellationToken cancellationToken)
    {
        var version = content.Info.Version;
        PolicySnapshot.Load(content, _policy);
        _referenceResponses ??= Sample(_referenceEngine, cancellationToken);
        var responses = Sample(_policyEngine, cancellationToken);
        var verdicts = await Task.WhenAll(_prompts.Select((p, i) =>
            _judge.JudgeAsync(new JudgeRequest(p, responses[i].Text ?? "", _referenceResponses[i].Text ?? "") { Id = $"eval-{version}-{i}" }, cancellationToken))).ConfigureAwait(false);
        var outcomes = verdicts.Select((v, i) => new HeldOutOutcome(
            v.ProbabilityA is { } p ? p > 0.5 ? HeldOutOutcome.Win : HeldOutOutcome.Loss : v.Abstention == AbstentionReason.LowConfidence ? HeldOutOutcome.Tie : null,
            responses[i].Tokens.Count, _referenceResponses[i].Tokens.Count)).ToList();
        var rates = WinRateBootstrap.Summarise(outcomes, _settings.BootstrapResamples, seed: (int)(version % int.MaxValue));
        var (klTokens, klResponses, drift) = Divergences(responses, cancellationToken);
        var constitution = _judge as ConstitutionJudge;
        return new SnapshotEvaluation(
            version, content.Info.TrainerStep, _prompts.Count, rates.Wins, rates.Losses, rates.Ties, rates.Abstentions,
            constitution is null ? null : _prompts.Select((p, i) => constitution.Score(p, responses[i].Text ?? "")).Average(),
            constitution is null ? null : _prompts.Select((p, i) => constitution.Score(p, _referenceResponses[i].Text ?? "")).Average(),
            klTokens, klResponses, drift,
            responses.Average(r => (double)r.Tokens.Count), _referenceResponses.Average(r => (double)r.Tokens.Count),
            DateTimeOffset.UtcNow)
        {
            Judge = _judge.Name,
            JudgeIsTrainingJudge = _judgeIsTrainingJudge,
            WinRateLow = rates.RawLow,
            WinRateHigh = rates.RawHigh,
            LengthControlledWinRate = rates.LengthControlled,
            LengthControlledLow = rates.LengthControlledLow,
            LengthControlledHigh = rates.LengthControlledHigh,
            LengthSlope = rates.LengthSlope,
        };
    }

    private GeneratedSample[] Sample(GenerationEngine engine, CancellationToken cancellationToken)
    {
        var requests = _promptTokens.Select((tokens, i) => new GenerationRequest
        {
            Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            PromptTokens = tokens,
            // A long prompt leaves fewer positions than max_new_tokens; policy and reference get the same room.
            MaxNewTokens = Math.Min(_settings.MaxNewTokens, _policyEngine.MaxSequenceLength - tokens.Length),
            Sampling = _settings.Sampling,
            StopStrings = _settings.StopStrings,
            Seed = StableSeed.Of(_settings.Seed, _prompts[i]),
        }).ToList();
        var results = engine.Generate(requests, ct: cancellationToken);
        return [.. results.Select(r => r.Succeeded ? r.Samples[0] : throw new InvalidOperationException($"evaluator: held-out prompt {r.RequestId} failed to generate: {r.Error}"))];
    }

    // KL(π_θ‖π_ref) summed over each policy response's positions, its mean per token and per response, and the mean D_fpo.
    private (double PerToken, double PerResponse, double? Drift) Divergences(GeneratedSample[] responses, CancellationToken cancellationToken)
    {
        double kl = 0, drift = 0;
        long tokens = 0;
        for (var start = 0; start < responses.Length; start += _settings.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(_settings.BatchSize, responses.Length - start);
            // Rows 0..B−1 hold the policy's responses; rows B..2B−1 the reference's, which only fill the batch layout.
            var pairs = Enumerable.Range(start, count).Select(i => new PreferencePair
            {
                Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Prompt = _prompts[i], Chosen = "", Rejected = "",
                PromptTokens = _promptTokens[i], ChosenTokens = [.. responses[i].Tokens], RejectedTokens = [.. _referenceResponses![i].Tokens],
            }).ToList();
            var batch = PreferenceBatch.Create(pairs, _policy.Config.MaxPositions);
            var (batchKl, batchDrift) = BatchDivergences(batch);
            kl += batchKl;
            drift += batchDrift;
            for (var r = 0; r < batch.B; r++) tokens += batch.ResponseLengths[r];
        }
        return (kl / tokens, kl / responses.Length, _sae is null ? null : drift / responses.Length);
    }

    // Sums over the policy rows of one batch: KL(π_θ‖π_ref) and D_fpo.
    private (double Kl, double Drift) BatchDivergences(PreferenceBatch batch)
    {
        int B = batch.B, R = batch.Rows, T = batch.T, V = _policy.Config.VocabSize;
        float[] sum = new float[R], mean = new float[R], rowKl = new float[R];  // (2B)
        _policy.Forward(batch.Inputs, R, T);
        _policyLogProbs.Forward(sum, mean, _policy.Probs, _policy.Logits, batch.Targets, batch.ResponseLengths, R, T, V);
        _reference.Forward(batch.Inputs, R, T);
        _referenceLogProbs.Forward(sum, mean, _reference.Probs, _reference.Logits, batch.Targets, batch.ResponseLengths, R, T, V);
        // TokenKl computes KL(second ‖ first) from the second model's probabilities; with the policy second that is KL(π_θ‖π_ref).
        _kl.Forward(rowKl, _reference.Logits, _referenceLogProbs.TokenNll, _policy.Logits, _policyLogProbs.TokenNll, _policy.Probs, batch.Targets, R, T, V);
        double kl = 0, drift = 0;
        for (var r = 0; r < B; r++) kl += rowKl[r];
        if (_sae is null) return (kl, 0);
        var F = _sae.Config.Latents;
        var cref = new float[R * F];  // (2B,F)
        _pooling!.Forward(cref, _reference.ResidualPost(_sae.Config.Layer), batch.Targets, batch.ResponseLengths, R, T);
        var reference = Enumerable.Range(0, R).Select(r => SparseFeatures.Top(cref.AsSpan(r * F, F), F)).ToArray();
        var d = new float[R];  // (2B)
        _divergence!.Forward(d, _policy.ResidualPost(_sae.Config.Layer), reference, batch.Targets, batch.ResponseLengths, R, T);
        for (var r = 0; r < B; r++) drift += d[r];
        return (kl, drift);
    }
}

namespace Fpo.Models.Sampling;

/// <summary>
/// One drawn token with its log-probability under the raw model (log_softmax of the unmodified logits: what the
/// trainer needs) and under the distribution it was actually drawn from (after every transform: what importance
/// correction needs; 0 for a greedy pick).
/// </summary>
public readonly record struct SampledToken(int Token, float ModelLogProb, float SamplingLogProb);

namespace Fpo.Models.Generation;

/// <summary>A token id and its log-probability under the raw model: log_softmax of the unmodified logits.</summary>
public readonly record struct TokenLogProb(int Token, float LogProb);

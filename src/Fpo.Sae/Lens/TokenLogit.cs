namespace Fpo.Sae.Lens;

/// <summary>One vocabulary entry of a feature's logit-lens row.</summary>
public readonly record struct TokenLogit(int TokenId, float Logit);

namespace Fpo.Models.Transformer;

/// <summary>Rewrites residual (N, C) in place: resid_post of one layer for all N = B·T rows of a training forward.</summary>
public delegate void ResidualEditor(Span<float> residual, int N);

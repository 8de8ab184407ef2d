using System.Numerics.Tensors;
using Fpo.Models.Transformer;
using Fpo.Sae.Formats;

namespace Fpo.Sae.Lens;

/// <summary>
/// The logit lens of a latent: its decoder row d = W_dec[j] pushed through the model's final norm and unembedding,
/// logits = W_U · (g ⊙ (d − mean(d))) for GPT-2's LayerNorm and W_U · (g ⊙ d) for RMSNorm. That is the exact linear
/// part of the final norm: its 1/σ is a positive per-token scale that does not change the ranking, and its bias is
/// the same for every latent, so both are left out. Without the gain g, GPT-2's few large-gain channels would be
/// under-weighted and the ranking would not be what the model does with the direction.
/// </summary>
public static class FeatureLogitLens
{
    /// <summary>logits (V) = unembedding (V,C) · (normWeight ⊙ (direction − mean if center)).</summary>
    public static void Logits(Span<float> logits, ReadOnlySpan<float> direction, ReadOnlySpan<float> unembedding,
        ReadOnlySpan<float> normWeight, bool center, int V, int C)
    {
        if (logits.Length != V || direction.Length != C || unembedding.Length != (long)V * C || normWeight.Length != C)
            throw new ArgumentException($"logit lens: shapes logits {logits.Length}, direction {direction.Length}, unembedding {unembedding.Length}, norm {normWeight.Length} do not fit V = {V}, C = {C}");
        Span<float> x = C <= 4096 ? stackalloc float[C] : new float[C]; // (C)
        direction.CopyTo(x);
        if (center) TensorPrimitives.Add(x, -TensorPrimitives.Sum(x) / C, x);
        TensorPrimitives.Multiply(x, normWeight, x);
        for (var v = 0; v < V; v++) logits[v] = TensorPrimitives.Dot(unembedding.Slice(v * C, C), x);
    }

    /// <summary>The logit-lens row (V) of <paramref name="latent"/> through <paramref name="model"/>'s final norm and LM head.</summary>
    public static float[] Logits(TransformerModel model, SaeWeights sae, int latent)
    {
        var c = model.Config;
        SaeModelCheck.Check(sae.Config, c, "logit lens");
        if ((uint)latent >= (uint)sae.Config.Latents)
            throw new ArgumentOutOfRangeException(nameof(latent), latent, $"the SAE has {sae.Config.Latents} latents");
        int V = c.VocabSize, C = c.Channels;
        var logits = new float[V]; // (V)
        Logits(logits, sae.DecoderWeight.AsSpan(latent * C, C), model.Layout.LmHead.In(model.Parameters),
            model.Layout.Lnfw.In(model.Parameters), center: c.IsGpt2, V, C);
        return logits;
    }

    /// <summary>The <paramref name="topN"/> most promoted and most suppressed tokens; ties go to the smaller token id.</summary>
    public static FeatureLogits Top(TransformerModel model, SaeWeights sae, int latent, int topN)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(topN);
        var logits = Logits(model, sae, latent);
        var n = Math.Min(topN, logits.Length);
        var promoted = Enumerable.Range(0, logits.Length).OrderByDescending(v => logits[v]).ThenBy(v => v).Take(n);
        var suppressed = Enumerable.Range(0, logits.Length).OrderBy(v => logits[v]).ThenBy(v => v).Take(n);
        return new FeatureLogits(latent,
            [.. promoted.Select(v => new TokenLogit(v, logits[v]))],
            [.. suppressed.Select(v => new TokenLogit(v, logits[v]))]);
    }
}

using System.Numerics.Tensors;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Silo.SiloApi.Features;

/// <summary>
/// The logit lens of an SAE latent: the tokens its decoder direction promotes and suppresses when written into the
/// residual stream, read through the model's final norm and unembedding: <c>z = W_U · (g ⊙ P d_j)</c>, with d_j row j
/// of W_dec (C), g the final norm's weight, and P the centring I − 11ᵀ/C for LayerNorm (GPT-2) or I for RMSNorm
/// (Llama). The norm's division by the residual's scale is left out: it divides every logit by the same positive
/// number, so it changes no ranking, and the norm's bias adds the same vector for every latent, so it is left out too —
/// the lens shows what the direction itself adds. Promoted = the largest z, suppressed = the smallest.
/// </summary>
public sealed class LogitLens
{
    private readonly float[] _unembedding;  // (V,C)
    private readonly float[] _normWeight;   // (C)
    private readonly float[] _decoder;      // (F,C)
    private readonly bool _center;

    private LogitLens(float[] unembedding, float[] normWeight, float[] decoder, bool center, int V, int C)
    {
        (_unembedding, _normWeight, _decoder, _center, this.V, this.C) = (unembedding, normWeight, decoder, center, V, C);
    }

    public int V { get; }
    public int C { get; }

    /// <summary>Copies the unembedding and final-norm weight of <paramref name="model"/> (the tied embedding when the head is tied).</summary>
    public static LogitLens Of(TransformerModel model, SaeWeights sae)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sae);
        var config = model.Config;
        int V = config.VocabSize, C = config.Channels;
        if (sae.Config.InputSize != C) throw new ArgumentException($"the SAE reads {sae.Config.InputSize} channels but the model has {C}", nameof(sae));
        var layout = model.Layout;
        var head = config.TiedEmbeddings ? layout.Wte : layout.LmHead;
        return new LogitLens(head.In(model.Parameters).ToArray(), layout.Lnfw.In(model.Parameters).ToArray(), sae.DecoderWeight, !config.Family.Equals(ModelConfig.Llama, StringComparison.Ordinal), V, C);
    }

    /// <summary>The <paramref name="count"/> most promoted and most suppressed token ids of latent <paramref name="latent"/> with their logits z.</summary>
    public (IReadOnlyList<(int Token, float Logit)> Promoted, IReadOnlyList<(int Token, float Logit)> Suppressed) Top(int latent, int count)
    {
        var direction = new float[C];  // (C)
        _decoder.AsSpan(latent * C, C).CopyTo(direction);
        if (_center)
        {
            var mean = TensorPrimitives.Sum(direction) / C;
            TensorPrimitives.Subtract(direction, mean, direction);
        }
        TensorPrimitives.Multiply(direction, _normWeight, direction);
        var logits = new float[V];  // (V)
        for (var v = 0; v < V; v++) logits[v] = TensorPrimitives.Dot(_unembedding.AsSpan(v * C, C), direction);
        var order = Enumerable.Range(0, V).OrderByDescending(v => logits[v]).ThenBy(v => v).ToArray();
        count = Math.Min(count, V);
        return ([.. order.Take(count).Select(v => (v, logits[v]))], [.. order.Reverse().Take(count).Select(v => (v, logits[v]))]);
    }
}

using Fpo.Models.Transformer;
using Fpo.Sae;
using Fpo.Sae.Formats;
using Fpo.Sae.Statistics;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// One latent's contexts for explaining and scoring it: the stream is cut into windows of the context size, every
/// window runs one forward, its resid_post[layer] is encoded by the SAE, and each window where the latent fired becomes
/// a context centred on its strongest token. The strongest <see cref="FeatureContextSettings.Explain"/> contexts are shown
/// to the explainer; the next <see cref="FeatureContextSettings.HeldOutTop"/> plus <see cref="FeatureContextSettings.HeldOutRandom"/>
/// drawn (seeded) from the remaining non-zero ones are held out for scoring, so the score sees weak activations too.
/// </summary>
public sealed record FeatureContexts(int Latent, IReadOnlyList<ActivatingContext> Explain, IReadOnlyList<ActivatingContext> HeldOut, long TokensScanned)
{
    /// <summary>The largest activation among all contexts (the 10 of the 0–10 scale); 0 when the latent never fired.</summary>
    public float MaxActivation => Explain.Concat(HeldOut).Select(c => c.Activation).DefaultIfEmpty(0f).Max();

    public static FeatureContexts Collect(TransformerModel model, SaeWeights sae, int latent, ReadOnlySpan<int> tokens, FeatureContextSettings settings)
    {
        SaeModelCheck.Check(sae.Config, model.Config, "feature explanation");
        int T = settings.ContextSize, D = sae.Config.InputSize, F = sae.Config.Latents, layer = sae.Config.Layer;
        if ((uint)latent >= (uint)F) throw new ArgumentOutOfRangeException(nameof(latent), $"feature {latent} is not in [0, {F}) (the SAE's d_sae)");
        if (T < 1 || T > model.Config.MaxPositions) throw new ArgumentException($"context size {T} is not in [1, {model.Config.MaxPositions}]", nameof(settings));
        if (settings.WindowsPerBatch < 1 || settings.Radius < 0 || settings.Explain < 1 || settings.HeldOutTop < 0 || settings.HeldOutRandom < 0)
            throw new ArgumentException($"bad context settings {settings}: windows per batch and explain must be at least 1, radius and held-out counts at least 0", nameof(settings));
        var windows = tokens.Length / T;
        if (windows == 0) throw new ArgumentException($"{tokens.Length} tokens do not make one window of {T}", nameof(tokens));
        var maxB = Math.Min(settings.WindowsPerBatch, windows);
        var pass = new SaeTrainingPass(sae, new SaeLossSettings(), maxB * T);
        var x = new float[maxB * T * D];  // (B,T,D) resid_post[layer]
        var acts = new float[T];          // (T) the latent's activation in one window
        var found = new List<ActivatingContext>();
        for (var w0 = 0; w0 < windows; w0 += maxB)
        {
            var B = Math.Min(maxB, windows - w0);
            var batch = tokens.Slice(w0 * T, B * T);
            model.Forward(batch, B, T);
            model.ResidualPost(layer).CopyTo(x);
            var codes = pass.Encode(x, B * T);
            for (var b = 0; b < B; b++)
            {
                Array.Clear(acts);
                var peak = -1;
                for (var t = 0; t < T; t++)
                {
                    var row = b * T + t;
                    for (var k = codes.RowStart[row]; k < codes.RowStart[row + 1]; k++)
                        if (codes.Latent[k] == latent) acts[t] = codes.Value[k];
                    if (acts[t] > 0 && (peak < 0 || acts[t] > acts[peak])) peak = t;
                }
                if (peak >= 0) found.Add(Window(w0 + b, peak, batch.Slice(b * T, T), acts, settings.Radius, T));
            }
        }
        found.Sort(ActivatingContext.Rank);
        var explain = found.Take(settings.Explain).ToList();
        var heldOut = found.Skip(settings.Explain).Take(settings.HeldOutTop).ToList();
        var rest = found.Skip(settings.Explain + settings.HeldOutTop).ToArray();
        new Random(settings.Seed).Shuffle(rest);
        heldOut.AddRange(rest.Take(settings.HeldOutRandom));
        return new FeatureContexts(latent, explain, heldOut, (long)windows * T);
    }

    // The tokens within radius of the peak, clipped to the window.
    private static ActivatingContext Window(long window, int peak, ReadOnlySpan<int> tokens, float[] acts, int radius, int T)
    {
        var start = Math.Max(0, peak - radius);
        var end = Math.Min(T, peak + radius + 1);
        return new ActivatingContext(acts[peak], window, peak, start, tokens[start..end].ToArray(), acts[start..end]);
    }
}

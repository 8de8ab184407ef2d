namespace Fpo.Models.Transformer;

/// <summary>GPT-2 style initialisation (as in nanoGPT/llm.c).</summary>
internal static class WeightInit
{
    private const float Std = 0.02f;

    /// <summary>
    /// Matrices N(0, 0.02); the projections that write into the residual stream (attention and MLP output)
    /// N(0, 0.02/sqrt(2L)) so the stream's variance does not grow with depth; biases 0; norm weights 1.
    /// </summary>
    public static void Gpt2Style(TransformerModel model, int seed)
    {
        var P = model.Layout;
        var p = model.Parameters;
        var rng = new Random(seed);
        var residualStd = Std / MathF.Sqrt(2 * model.Config.Layers);
        foreach (var info in P.All)
        {
            var view = info.View.In(p);
            if (info.View == P.Ln1w || info.View == P.Ln2w || info.View == P.Lnfw) view.Fill(1f);
            else if (!info.Decays) view.Clear();
            else Normal(rng, view, info.View == P.AttProjw || info.View == P.FcProjw ? residualStd : Std);
        }
    }

    // Box-Muller, two samples per pair of uniforms
    private static void Normal(Random rng, Span<float> x, float std)
    {
        for (var i = 0; i < x.Length; i += 2)
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            var r = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            x[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < x.Length) x[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }
}

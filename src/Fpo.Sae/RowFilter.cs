using Fpo.Tensors;

namespace Fpo.Sae;

/// <summary>Which pre-activations an element-wise activation lists, and the code it gives them.</summary>
internal interface IElementRule
{
    bool Keep(float pre, int latent);
    float Code(float pre, int latent);
}

/// <summary>Builds <see cref="SparseCodes"/> from dense pre-activations with an element-wise rule: a counting pass,
/// offsets, then a filling pass, both parallel over rows.</summary>
internal static class RowFilter
{
    // codes (B rows), pre (B,F)
    public static void Forward<TRule>(SparseCodes codes, float[] pre, TRule rule, int B, int F) where TRule : struct, IElementRule
    {
        var counts = new int[B];
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var row = pre.AsSpan(b * F, F);
                var n = 0;
                for (var j = 0; j < F; j++) if (rule.Keep(row[j], j)) n++;
                counts[b] = n;
            }
        }, minRange: 16);
        codes.Allocate(B, counts);
        ComputeThreads.For(B, (b0, b1) =>
        {
            for (var b = b0; b < b1; b++)
            {
                var row = pre.AsSpan(b * F, F);
                var e = codes.RowStart[b];
                for (var j = 0; j < F; j++)
                {
                    if (!rule.Keep(row[j], j)) continue;
                    codes.Latent[e] = j;
                    codes.Value[e++] = rule.Code(row[j], j);
                }
            }
        }, minRange: 16);
    }
}

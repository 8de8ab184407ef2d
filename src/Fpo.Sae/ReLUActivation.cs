namespace Fpo.Sae;

/// <summary>codes = relu(pre): every positive pre-activation is listed.</summary>
public static class ReLUActivation
{
    // codes (B rows), pre (B,F)
    public static void Forward(SparseCodes codes, float[] pre, int B, int F) => RowFilter.Forward(codes, pre, default(Positive), B, F);

    private readonly struct Positive : IElementRule
    {
        public bool Keep(float pre, int latent) => pre > 0;
        public float Code(float pre, int latent) => pre;
    }
}

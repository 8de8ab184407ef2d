namespace Fpo.Sae;

internal static class SaeConfigValidation
{
    public static SaeConfig Check(SaeConfig c)
    {
        if (c.InputSize <= 0) throw new ArgumentException($"SAE d_in is {c.InputSize}: it must be positive");
        if (c.Latents <= 0) throw new ArgumentException($"SAE d_sae is {c.Latents}: it must be positive");
        if (!Enum.IsDefined(c.Architecture)) throw new ArgumentException($"SAE architecture {(int)c.Architecture} is unknown");
        var needsK = c.Architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK;
        if (needsK && (c.K < 1 || c.K > c.Latents))
            throw new ArgumentException($"SAE k is {c.K}: {c.Architecture} needs k in [1, d_sae = {c.Latents}]");
        if (!needsK && c.K != 0) throw new ArgumentException($"SAE k is {c.K}: only TopK and BatchTopK take k");
        if (!float.IsFinite(c.Bandwidth) || c.Bandwidth <= 0) throw new ArgumentException($"SAE bandwidth is {c.Bandwidth}: it must be positive and finite");
        if (c.Layer < 0) throw new ArgumentException($"SAE layer is {c.Layer}: it must not be negative");
        return c;
    }
}

namespace Fpo.Alignment.Preferences;

/// <summary>
/// A pooled SAE activation vector c̄ (length d_sae) stored sparsely: latents ascending, each with its value; every
/// latent not listed counts as 0. Pooled activations of ReLU-family SAEs are non-negative, and FPO only reads the
/// largest ones, so the reference keeps the top entries (<see cref="Top"/>) instead of all d_sae.
/// </summary>
public sealed record SparseFeatures
{
    public SparseFeatures(int[] latents, float[] values)
    {
        if (latents.Length != values.Length)
            throw new ArgumentException($"sparse features: {latents.Length} latents but {values.Length} values");
        for (var i = 0; i < latents.Length; i++)
        {
            if (latents[i] < 0 || (i > 0 && latents[i] <= latents[i - 1]))
                throw new ArgumentException($"sparse features: latents must be non-negative and strictly ascending, latents[{i}] = {latents[i]}");
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"sparse features: values[{i}] = {values[i]} is not finite");
        }
        Latents = latents;
        Values = values;
    }

    public static SparseFeatures Empty { get; } = new([], []);

    public int[] Latents { get; }
    public float[] Values { get; }
    public int Count => Latents.Length;

    /// <summary>The value of latent <paramref name="latent"/> (0 when not stored).</summary>
    public float this[int latent]
    {
        get
        {
            var i = Array.BinarySearch(Latents, latent);
            return i >= 0 ? Values[i] : 0f;
        }
    }

    /// <summary>
    /// The <paramref name="keep"/> largest positive entries of <paramref name="dense"/> (ties to the lower latent), latents
    /// ascending. FPO's default keeps 4k (200 for k = 50): the reference's top-k is always among them, and a latent of the
    /// policy's top-k that was not kept has a reference value below the smallest kept one.
    /// </summary>
    public static SparseFeatures Top(ReadOnlySpan<float> dense, int keep)
    {
        var top = LatentRanking.TopPositive(dense, keep);
        Array.Sort(top);
        var values = new float[top.Length];
        for (var i = 0; i < top.Length; i++) values[i] = dense[top[i]];
        return new SparseFeatures(top, values);
    }

    /// <summary>Writes the vector densely into <paramref name="dense"/> (length d_sae), zeros elsewhere.</summary>
    public void ToDense(Span<float> dense)
    {
        dense.Clear();
        for (var i = 0; i < Latents.Length; i++)
        {
            if (Latents[i] >= dense.Length)
                throw new ArgumentException($"sparse features: latent {Latents[i]} is outside the SAE's {dense.Length} latents");
            dense[Latents[i]] = Values[i];
        }
    }

    public bool Equals(SparseFeatures? other) =>
        other is not null && Latents.AsSpan().SequenceEqual(other.Latents) && Values.AsSpan().SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Latents.Length, Latents.Length > 0 ? Latents[0] : -1);
}

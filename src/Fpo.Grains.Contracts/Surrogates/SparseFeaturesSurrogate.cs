using Orleans;
using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts.Surrogates;

/// <summary>The wire form of <see cref="SparseFeatures"/>; decoding re-checks its invariants (ascending latents, finite values).</summary>
[GenerateSerializer, Alias("fpo.SparseFeatures")]
public struct SparseFeaturesSurrogate
{
    [Id(0)] public int[] Latents;
    [Id(1)] public float[] Values;
}

[RegisterConverter]
public sealed class SparseFeaturesConverter : IConverter<SparseFeatures, SparseFeaturesSurrogate>
{
    public SparseFeatures ConvertFromSurrogate(in SparseFeaturesSurrogate s) => new(s.Latents, s.Values);

    public SparseFeaturesSurrogate ConvertToSurrogate(in SparseFeatures value) => new() { Latents = value.Latents, Values = value.Values };
}

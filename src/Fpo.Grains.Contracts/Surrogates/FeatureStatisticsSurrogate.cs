using Fpo.Sae.Statistics;
using Orleans;

namespace Fpo.Grains.Contracts.Surrogates;

/// <summary>
/// The wire form of <see cref="FeatureStatistics"/>: the bytes of <see cref="FeatureStatisticsFormat"/>, the format the
/// stores keep them in, whose reader checks every count and bound again on arrival.
/// </summary>
[GenerateSerializer, Alias("fpo.FeatureStatistics")]
public struct FeatureStatisticsSurrogate
{
    [Id(0)] public byte[] Bytes;
}

[RegisterConverter]
public sealed class FeatureStatisticsConverter : IConverter<FeatureStatistics, FeatureStatisticsSurrogate>
{
    public FeatureStatistics ConvertFromSurrogate(in FeatureStatisticsSurrogate s) => FeatureStatisticsFormat.Deserialize(s.Bytes, "feature statistics from another silo");

    public FeatureStatisticsSurrogate ConvertToSurrogate(in FeatureStatistics value) => new() { Bytes = FeatureStatisticsFormat.Serialize(value) };
}

using FsCheck;
using FsCheck.Fluent;
using Fpo.Sae.Statistics;

namespace Fpo.Sae.Tests.Statistics;

/// <summary>
/// Merging is exactly associative and commutative with the empty statistics as identity, and statistics of a stream
/// split anywhere at sequence boundaries merge to the statistics of the whole stream. "Equal" is byte equality of the
/// canonical serialisation, which covers every counter, the fixed-point sums, the histogram and the top-N contexts.
/// </summary>
public sealed class FeatureStatisticsPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true);

    private static byte[] Bytes(FeatureStatistics s) => FeatureStatisticsFormat.Serialize(s);

    [Fact]
    public void MergeIsCommutative() =>
        Check.One(Runs, Prop.ForAll(TokenStream.Streams, TokenStream.Streams, (a, b) =>
        {
            FeatureStatistics x = TokenStream.Of(a), y = TokenStream.Of(b);
            return Bytes(FeatureStatistics.Merge(x, y)).SequenceEqual(Bytes(FeatureStatistics.Merge(y, x)));
        }));

    [Fact]
    public void MergeIsAssociative() =>
        Check.One(Runs, Prop.ForAll(TokenStream.Streams, TokenStream.Streams, TokenStream.Streams, (a, b, c) =>
        {
            FeatureStatistics x = TokenStream.Of(a), y = TokenStream.Of(b), z = TokenStream.Of(c);
            return Bytes(FeatureStatistics.Merge(FeatureStatistics.Merge(x, y), z))
                .SequenceEqual(Bytes(FeatureStatistics.Merge(x, FeatureStatistics.Merge(y, z))));
        }));

    [Fact]
    public void EmptyIsTheIdentity() =>
        Check.One(Runs, Prop.ForAll(TokenStream.Streams, a =>
        {
            var x = TokenStream.Of(a);
            var bytes = Bytes(x);
            return Bytes(FeatureStatistics.Merge(x, x.Empty())).SequenceEqual(bytes) && Bytes(FeatureStatistics.Merge(x.Empty(), x)).SequenceEqual(bytes);
        }));

    [Fact]
    public void MergedSplitsEqualTheWholeStream()
    {
        var streamAndCuts = TokenStream.Streams.Generator.SelectMany(s =>
            Gen.SubListOf(Enumerable.Range(0, s.Length + 1)).Select(cuts => (Stream: s, Cuts: cuts.Order().ToArray())));
        Check.One(Runs, Prop.ForAll(streamAndCuts.ToArbitrary(), sc =>
        {
            var bounds = sc.Cuts.Prepend(0).Append(sc.Stream.Length).ToArray();
            var merged = TokenStream.Empty();
            for (var i = 0; i + 1 < bounds.Length; i++)
                merged = FeatureStatistics.Merge(merged, TokenStream.Of(sc.Stream[bounds[i]..bounds[i + 1]]));
            return Bytes(merged).SequenceEqual(Bytes(TokenStream.Of(sc.Stream)));
        }));
    }

    [Fact]
    public void SerialisationRoundTrips() =>
        Check.One(Runs, Prop.ForAll(TokenStream.Streams, a =>
        {
            var bytes = Bytes(TokenStream.Of(a));
            return Bytes(FeatureStatisticsFormat.Deserialize(bytes, "stats")).SequenceEqual(bytes);
        }));
}

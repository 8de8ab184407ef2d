using FsCheck;
using FsCheck.Fluent;
using Fpo.Sae.Statistics;

namespace Fpo.Sae.Tests.Statistics;

/// <summary>One sequence of tokens with its sparse SAE codes in CSR form, as FeatureStatistics.AddSequence takes them.</summary>
internal sealed record Sequence(long SourceId, int[] Tokens, int[] RowStart, int[] Latents, float[] Values)
{
    public override string ToString() =>
        $"source {SourceId}: " + string.Join(" ", Tokens.Select((t, i) =>
            $"{t}[{string.Join(",", Enumerable.Range(RowStart[i], RowStart[i + 1] - RowStart[i]).Select(k => $"{Latents[k]}:{Values[k]}"))}]"));
}

/// <summary>FsCheck generators for token streams that stress the merge: few latents, few source ids and a few repeated
/// activation values, so ties in the top-N order are common, and values at the histogram's extremes.</summary>
internal static class TokenStream
{
    public const int Latents = 12;
    public const int TopN = 3;
    public const int Radius = 2;

    private static readonly float[] Common = [0.5f, 1f, 2f, 1e-5f, 2e4f, 3.25f];

    private static readonly Gen<float> Value = Gen.OneOf(
        Gen.Elements(Common),
        Gen.Choose(1, 1_000_000).Select(n => n / 1000f),
        Gen.Constant(0f));

    private static readonly Gen<(int Latent, float Value)[]> Row =
        Gen.SubListOf(Enumerable.Range(0, Latents)).SelectMany(ids => Value.ArrayOf(ids.Count).Select(v => ids.Zip(v).ToArray()));

    private static readonly Gen<Sequence> SequenceGen =
        Gen.Choose(0, 3).SelectMany(source => Gen.Choose(0, 8).SelectMany(T =>
            Gen.Choose(0, 50).ArrayOf(T).SelectMany(tokens => Row.ArrayOf(T).Select(rows => Build(source, tokens, rows)))));

    public static readonly Arbitrary<Sequence[]> Streams = SequenceGen.ArrayOf().Resize(6).ToArbitrary();

    public static FeatureStatistics Empty() => new(Latents, TopN, Radius);

    public static FeatureStatistics Of(IEnumerable<Sequence> sequences)
    {
        var stats = Empty();
        foreach (var s in sequences) stats.AddSequence(s.SourceId, s.Tokens, s.RowStart, s.Latents, s.Values);
        return stats;
    }

    private static Sequence Build(int source, int[] tokens, (int Latent, float Value)[][] rows)
    {
        var rowStart = new int[tokens.Length + 1];
        for (var t = 0; t < rows.Length; t++) rowStart[t + 1] = rowStart[t] + rows[t].Length;
        var flat = rows.SelectMany(r => r).ToArray();
        return new Sequence(source, tokens, rowStart, flat.Select(e => e.Latent).ToArray(), flat.Select(e => e.Value).ToArray());
    }
}

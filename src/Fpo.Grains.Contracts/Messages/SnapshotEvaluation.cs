using Orleans;
namespace Fpo.Grains.Contracts;

/// <summary>
/// How one snapshot compares with the reference on the held-out prompts. The judge compares one response of the snapshot
/// with one of the reference per prompt: <see cref="WinRate"/> = wins / (wins + losses); ties (the judge's low-confidence
/// abstentions) and other abstentions are counted apart; <see cref="WinRateWithTies"/> = (wins + ½ ties) / (wins +
/// losses + ties). <see cref="MeanScore"/> is the constitution judge's mean score of the snapshot's responses (null for
/// other judges). <see cref="KlPerToken"/> and <see cref="KlPerResponse"/> are the exact token-level KL(π_θ‖π_ref) over
/// the vocabulary at each generated position of the snapshot's responses, averaged per token and summed per response;
/// <see cref="FeatureDrift"/> is the mean D_fpo between the snapshot's and the reference's pooled SAE features on them.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.SnapshotEvaluation")]
public sealed record SnapshotEvaluation(
    [property: Id(0)] long Version,
    [property: Id(1)] long TrainerStep,
    [property: Id(2)] int Prompts,
    [property: Id(3)] int Wins,
    [property: Id(4)] int Losses,
    [property: Id(5)] int Ties,
    [property: Id(6)] int Abstentions,
    [property: Id(7)] double? MeanScore,
    [property: Id(8)] double? ReferenceMeanScore,
    [property: Id(9)] double KlPerToken,
    [property: Id(10)] double KlPerResponse,
    [property: Id(11)] double? FeatureDrift,
    [property: Id(12)] double MeanLength,
    [property: Id(13)] double ReferenceMeanLength,
    [property: Id(14)] DateTimeOffset At)
{
    public double WinRate => Wins + Losses == 0 ? double.NaN : (double)Wins / (Wins + Losses);

    public double WinRateWithTies => Wins + Losses + Ties == 0 ? double.NaN : (Wins + 0.5 * Ties) / (Wins + Losses + Ties);
}

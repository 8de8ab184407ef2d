using Orleans;
namespace Fpo.Grains.Contracts;

/// <summary>
/// How one snapshot compares with the reference on the held-out prompts. The evaluation judge (<see cref="Judge"/>,
/// another than the training judge unless <see cref="JudgeIsTrainingJudge"/>) compares one response of the snapshot with
/// one of the reference per prompt: <see cref="WinRate"/> = wins / (wins + losses); ties (the judge's low-confidence
/// abstentions) and other abstentions are counted apart; <see cref="WinRateWithTies"/> = (wins + ½ ties) / (wins +
/// losses + ties), with its 95% interval [<see cref="WinRateLow"/>, <see cref="WinRateHigh"/>];
/// <see cref="LengthControlledWinRate"/> is the win rate a logistic model of the judge's preference on the normalised
/// length difference predicts at zero difference (ties half), with its interval; both intervals are percentile
/// bootstraps over the prompts. <see cref="MeanScore"/> is the constitution judge's mean score of the snapshot's responses (null for
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
    [Id(15)] public string Judge { get; init; } = "";
    [Id(16)] public bool JudgeIsTrainingJudge { get; init; }
    [Id(17)] public double WinRateLow { get; init; } = double.NaN;
    [Id(18)] public double WinRateHigh { get; init; } = double.NaN;
    [Id(19)] public double LengthControlledWinRate { get; init; } = double.NaN;
    [Id(20)] public double LengthControlledLow { get; init; } = double.NaN;
    [Id(21)] public double LengthControlledHigh { get; init; } = double.NaN;
    /// <summary>The length model's slope b: how much of the judge's preference length explains (0: none).</summary>
    [Id(22)] public double LengthSlope { get; init; } = double.NaN;

    public double WinRate => Wins + Losses == 0 ? double.NaN : (double)Wins / (Wins + Losses);

    public double WinRateWithTies => Wins + Losses + Ties == 0 ? double.NaN : (Wins + 0.5 * Ties) / (Wins + Losses + Ties);
}

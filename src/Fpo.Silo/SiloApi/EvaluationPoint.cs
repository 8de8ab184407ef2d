using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>A snapshot's evaluation as the API shows it (<see cref="SnapshotEvaluation"/>; a win rate with no decided
/// comparison, or an interval not computed, is null, not NaN).</summary>
public sealed record EvaluationPoint(
    long Version,
    long TrainerStep,
    int Prompts,
    int Wins,
    int Losses,
    int Ties,
    int Abstentions,
    double? WinRate,
    double? WinRateWithTies,
    double? MeanScore,
    double? ReferenceMeanScore,
    double KlPerToken,
    double KlPerResponse,
    double? FeatureDrift,
    double MeanLength,
    double ReferenceMeanLength,
    DateTimeOffset At,
    string Judge,
    bool JudgeIsTrainingJudge,
    double? WinRateLow,
    double? WinRateHigh,
    double? LengthControlledWinRate,
    double? LengthControlledLow,
    double? LengthControlledHigh,
    double? LengthSlope)
{
    public static EvaluationPoint Of(SnapshotEvaluation e) => new(e.Version, e.TrainerStep, e.Prompts, e.Wins, e.Losses, e.Ties, e.Abstentions,
        Finite(e.WinRate), Finite(e.WinRateWithTies), e.MeanScore, e.ReferenceMeanScore, e.KlPerToken, e.KlPerResponse, e.FeatureDrift,
        e.MeanLength, e.ReferenceMeanLength, e.At, e.Judge, e.JudgeIsTrainingJudge, Finite(e.WinRateLow), Finite(e.WinRateHigh),
        Finite(e.LengthControlledWinRate), Finite(e.LengthControlledLow), Finite(e.LengthControlledHigh), Finite(e.LengthSlope));

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}

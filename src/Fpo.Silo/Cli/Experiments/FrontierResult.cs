using System.Text.Json.Serialization;
using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>
/// Where one frontier run ended: its final evaluation against the reference on the held-out prompts (null where the
/// run has none, e.g. no decided comparisons or no SAE for the drift), the length-controlled win rate with its 95%
/// interval, how far it got and why it stopped, and its whole curve (every evaluated snapshot) for the matched
/// comparisons.
/// </summary>
public sealed record FrontierResult(
    string Method,
    float Beta,
    float? Alpha,
    int Seed,
    string Run,
    long Snapshot,
    long TrainerSteps,
    long Trained,
    double? WinRate,
    double? WinRateWithTies,
    double? LengthControlledWinRate,
    double? LengthControlledLow,
    double? LengthControlledHigh,
    double? KlPerToken,
    double? FeatureDrift,
    double? MeanLength,
    double Minutes,
    string Stop,
    IReadOnlyList<CurvePoint> Curve)
{
    /// <summary>The method and its hyper-parameters without the seed: the runs averaged at matched divergence.</summary>
    [JsonIgnore]
    public string Setting => new FrontierPoint(Method, Beta, Alpha, Seed).Setting;

    public static FrontierResult Of(FrontierPoint point, string run, LoopStatus status, SnapshotEvaluation? final, TimeSpan elapsed, LoopStop stop,
        IReadOnlyList<CurvePoint> curve) => new(
        point.Method, point.Beta, point.Alpha, point.Seed, run, final?.Version ?? status.SnapshotVersion, status.TrainerSteps, status.Trained,
        Finite(final?.WinRate), Finite(final?.WinRateWithTies), Finite(final?.LengthControlledWinRate), Finite(final?.LengthControlledLow),
        Finite(final?.LengthControlledHigh), Finite(final?.KlPerToken), Finite(final?.FeatureDrift), Finite(final?.MeanLength),
        elapsed.TotalMinutes, stop.ToString(), curve);

    private static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
}

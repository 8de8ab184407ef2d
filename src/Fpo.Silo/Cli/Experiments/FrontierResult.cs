using Fpo.Grains.Contracts;
using Fpo.Grains.Loop;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>
/// Where one frontier run ended: its final evaluation against the reference on the held-out prompts (null where the
/// run has none, e.g. no decided comparisons or no SAE for the drift), how far it got and why it stopped.
/// </summary>
public sealed record FrontierResult(
    string Method,
    float Beta,
    float? Alpha,
    string Run,
    long Snapshot,
    long TrainerSteps,
    long Trained,
    double? WinRate,
    double? WinRateWithTies,
    double? KlPerToken,
    double? FeatureDrift,
    double? MeanLength,
    double Minutes,
    string Stop)
{
    public static FrontierResult Of(FrontierPoint point, string run, LoopStatus status, SnapshotEvaluation? final, TimeSpan elapsed, LoopStop stop) => new(
        point.Method, point.Beta, point.Alpha, run, final?.Version ?? status.SnapshotVersion, status.TrainerSteps, status.Trained,
        Finite(final?.WinRate), Finite(final?.WinRateWithTies), Finite(final?.KlPerToken), Finite(final?.FeatureDrift), Finite(final?.MeanLength),
        elapsed.TotalMinutes, stop.ToString());

    private static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
}

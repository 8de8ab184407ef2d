namespace Fpo.Alignment.Evaluation;

/// <summary>
/// A snapshot's win rates against the reference with their 95% intervals: the raw win rate (ties as half a win) and the
/// length-controlled one (<see cref="LengthControlledFit"/>), the counts they come from, and how many resamples the
/// percentile-bootstrap intervals took (a resample in which every prompt abstained is left out). NaN where no comparison was decided.
/// </summary>
public sealed record WinRateSummary(
    int Wins, int Losses, int Ties, int Abstentions,
    double RawWinRate, double RawLow, double RawHigh,
    double LengthControlled, double LengthControlledLow, double LengthControlledHigh,
    double LengthSlope, int Resamples);

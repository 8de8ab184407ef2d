namespace Fpo.Grains.Contracts;

/// <summary>
/// When <see cref="FeatureAlerts"/> fire: a frequency change must be large (<see cref="Factor"/> over the floor
/// <see cref="MinFrequency"/>) and significant (Benjamini–Hochberg q-value ≤ <see cref="FalseDiscoveryRate"/>), and
/// both snapshots must have at least <see cref="MinTokens"/> tokens of statistics.
/// </summary>
/// <param name="Factor">Smallest ratio of the floored frequencies (or its inverse) that counts as a change; above 1.</param>
/// <param name="MinFrequency">Frequencies below this count as this in the ratio, in (0, 1].</param>
/// <param name="FalseDiscoveryRate">The expected share of false alarms among a comparison's alerts that BH allows, in (0, 1).</param>
/// <param name="MinTokens">Snapshots with fewer tokens of statistics are not compared.</param>
public sealed record FeatureAlertSettings(double Factor, double MinFrequency, double FalseDiscoveryRate, long MinTokens)
{
    public const double DefaultFactor = 2;
    public const double DefaultMinFrequency = 0.01;
    public const double DefaultFalseDiscoveryRate = 0.05;
    public const long DefaultMinTokens = 64;

    /// <summary>The defaults of the api section of the config.</summary>
    public static FeatureAlertSettings Default { get; } = new(DefaultFactor, DefaultMinFrequency, DefaultFalseDiscoveryRate, DefaultMinTokens);

    /// <summary>This, or <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public FeatureAlertSettings Validate()
    {
        if (!(Factor > 1 && double.IsFinite(Factor))) throw new ArgumentOutOfRangeException(nameof(Factor), Factor, "the alert factor must be a finite number above 1");
        if (!(MinFrequency is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(MinFrequency), MinFrequency, "the frequency floor must be in (0, 1]");
        CheckFalseDiscoveryRate(FalseDiscoveryRate);
        ArgumentOutOfRangeException.ThrowIfNegative(MinTokens);
        return this;
    }

    /// <summary>
    /// Throws unless <paramref name="rate"/> is in (0, 1): at 0 nothing could alert, and at 1 every change above the
    /// factor would, significant or not.
    /// </summary>
    public static void CheckFalseDiscoveryRate(double rate)
    {
        if (!(rate is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "the false discovery rate of the alerts must be in (0, 1)");
    }
}

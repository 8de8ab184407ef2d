namespace Fpo.Alignment.Preferences;

/// <summary>
/// What the frozen reference model says about a pair, computed once offline (<c>ReferenceComputation</c>): the summed and
/// mean log-probabilities of each response (DPO reads the sums, FPO's margin_ref the means) and, for FPO, the pooled SAE
/// activations c̄_ref of each response, stored sparsely, with the SAE they belong to.
/// </summary>
public sealed record ReferenceData
{
    public required double ChosenLogProbSum { get; init; }
    public required double RejectedLogProbSum { get; init; }
    public required double ChosenLogProbMean { get; init; }
    public required double RejectedLogProbMean { get; init; }

    /// <summary>c̄_ref of the chosen response; null without an SAE.</summary>
    public SparseFeatures? ChosenFeatures { get; init; }
    /// <summary>c̄_ref of the rejected response; null without an SAE.</summary>
    public SparseFeatures? RejectedFeatures { get; init; }
    /// <summary>Block whose resid_post the SAE reads; null without an SAE.</summary>
    public int? SaeLayer { get; init; }
    /// <summary>Which SAE (e.g. its folder name), so features of another SAE are not mixed in; null without an SAE.</summary>
    public string? SaeId { get; init; }

    public bool HasFeatures => ChosenFeatures is not null && RejectedFeatures is not null;

    /// <summary>The <see cref="SaeId"/> of the SAE in folder <paramref name="saeDir"/>: the folder's name.</summary>
    public static string SaeIdOf(string saeDir) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(saeDir)));
}

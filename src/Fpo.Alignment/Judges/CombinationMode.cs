namespace Fpo.Alignment.Judges;

/// <summary>How <see cref="JudgeCombinator"/> merges its members' verdicts.</summary>
public enum CombinationMode
{
    /// <summary>Every member must label and all must prefer the same response; the label is their mean.</summary>
    AllOf,

    /// <summary>The weighted mean of the members that labelled; an abstention only if none did.</summary>
    Mixture,
}

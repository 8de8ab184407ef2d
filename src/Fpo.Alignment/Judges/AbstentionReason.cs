namespace Fpo.Alignment.Judges;

/// <summary>Why a judge gave no label. Counted per reason in <see cref="JudgeCounters"/>.</summary>
public enum AbstentionReason
{
    /// <summary>The call failed after its retries (HTTP error, connection refused, server error body).</summary>
    CallFailed,

    /// <summary>The call did not answer in time after its retries.</summary>
    Timeout,

    /// <summary>The answer held neither usable log-probabilities nor a parsable "1"/"2".</summary>
    Unparsable,

    /// <summary>|P(A) − 0.5| was below the judge's confidence margin (this includes identical responses).</summary>
    LowConfidence,

    /// <summary>A combinator's members disagreed where agreement was required (all-of).</summary>
    Disagreement,
}

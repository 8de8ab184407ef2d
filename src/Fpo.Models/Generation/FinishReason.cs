namespace Fpo.Models.Generation;

/// <summary>Why a sample ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token id, the end-of-sequence token or a stop string.</summary>
    Stop,

    /// <summary>The sample reached its request's MaxNewTokens.</summary>
    Length,
}

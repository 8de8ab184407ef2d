using Fpo.Models.Sampling;

namespace Fpo.Models.Generation;

/// <summary>
/// One prompt to continue <see cref="N"/> times. <see cref="GenerationEngine.Generate"/> checks every request before
/// it starts any, so a bad request costs no compute.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>Names the request in results, errors and completion events; unique within one Generate call.</summary>
    public required string Id { get; init; }

    /// <summary>The prompt's token ids (at least one).</summary>
    public required IReadOnlyList<int> PromptTokens { get; init; }

    /// <summary>Samples drawn from this prompt; they share one prefill.</summary>
    public int N { get; init; } = 1;

    /// <summary>Most tokens a sample generates; reaching it ends the sample with <see cref="FinishReason.Length"/>.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Token ids that end a sample when drawn (kept in its tokens and log-probs, left out of its text).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Texts that end a sample as soon as its text contains one; the text is cut before it. Needs a tokenizer.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    public SamplingParams Sampling { get; init; } = new();

    /// <summary>Seed of the samples' random streams; when null the engine picks one and reports it in the result.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Keep going past the tokenizer's end-of-sequence token (it is then an ordinary token).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>How many of the most likely tokens (<see cref="TopLogProbs"/>) to list at every generated position; 0 lists none.</summary>
    public int TopLogProbs { get; init; }

    /// <summary>Cancels this request alone in <see cref="GenerationEngine.ServeAsync"/>: its samples leave the batch
    /// before the next decode step and it completes with an error (a server passes the client's disconnect here).</summary>
    public CancellationToken Cancellation { get; init; }
}

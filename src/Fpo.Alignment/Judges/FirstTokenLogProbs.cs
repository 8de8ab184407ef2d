using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace Fpo.Alignment.Judges;

/// <summary>
/// Log-probabilities at the first generated token through Microsoft.Extensions.AI. <see cref="ChatOptions"/> has no
/// field for them, so they are asked for in the OpenAI client's own options (<see cref="Ask"/>) and read back
/// from the OpenAI completion behind the response (<see cref="From"/>): the abstraction keeps no log-probs of its own.
/// Another provider's client ignores the request and its response has none, so the caller falls back to the text.
/// </summary>
public static class FirstTokenLogProbs
{
    /// <summary>Makes <paramref name="options"/> ask an OpenAI client for the <paramref name="top"/> most likely tokens
    /// at each position; the client fills in the rest of its options (temperature, token limit) from them.</summary>
    public static void Ask(ChatOptions options, int top) =>
        options.RawRepresentationFactory = _ => new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = top };

    /// <summary>The sampled first token and its listed alternatives with their log-probs, or null when the response
    /// did not come from an OpenAI client or carries none.</summary>
    public static IEnumerable<(string Token, double LogProb)>? From(ChatResponse response)
    {
        if (response.RawRepresentation is not ChatCompletion completion) return null;
        var logProbs = completion.ContentTokenLogProbabilities;
        if (logProbs is not { Count: > 0 } || logProbs[0] is not { } at) return null;
        return (at.TopLogProbabilities ?? []).Select(t => (t.Token, (double)t.LogProbability)).Prepend((at.Token, at.LogProbability));
    }
}

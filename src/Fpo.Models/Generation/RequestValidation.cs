using System.Diagnostics.CodeAnalysis;

namespace Fpo.Models.Generation;

/// <summary>Checks a batch of requests before any compute, so each error names the request and what to change.</summary>
internal static class RequestValidation
{
    public static void Check(IReadOnlyList<GenerationRequest> requests, int vocabSize, int maxSequenceLength, bool hasTokenizer)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i] ?? throw new ArgumentException($"request #{i} is null", nameof(requests));
            if (string.IsNullOrEmpty(r.Id)) Fail($"request #{i} has no Id");
            if (!ids.Add(r.Id)) Fail($"request {r.Id}: the Id is used by an earlier request too; ids must be unique");
            CheckOne(r, vocabSize, maxSequenceLength, hasTokenizer);
        }
    }

    /// <summary>One request on its own (a served request arrives alone, so uniqueness is the caller's).</summary>
    public static void CheckOne(GenerationRequest r, int V, int maxSequenceLength, bool hasTokenizer)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (string.IsNullOrEmpty(r.Id)) Fail("a request has no Id");
        var name = $"request {r.Id}";
        if (r.PromptTokens is null || r.PromptTokens.Count == 0) Fail($"{name}: the prompt is empty; give at least one token");
        if (r.N < 1) Fail($"{name}: n is {r.N}, must be at least 1");
        if (r.MaxNewTokens < 1) Fail($"{name}: max_new_tokens is {r.MaxNewTokens}, must be at least 1");
        if (r.TopLogProbs < 0 || r.TopLogProbs > V) Fail($"{name}: TopLogProbs is {r.TopLogProbs}, must be in [0, {V}] (the vocabulary)");
        for (var t = 0; t < r.PromptTokens.Count; t++)
            if ((uint)r.PromptTokens[t] >= (uint)V) Fail($"{name}: prompt token {t} is {r.PromptTokens[t]}, outside the vocabulary [0, {V})");
        var needed = (long)r.PromptTokens.Count + r.MaxNewTokens;
        if (needed > maxSequenceLength)
            Fail($"{name}: prompt of {r.PromptTokens.Count} tokens + {r.MaxNewTokens} new tokens needs {needed} positions, " +
                 $"the engine holds {maxSequenceLength} per sequence (MaxSequenceLength, --max-seq-len)");
        foreach (var id in r.StopTokenIds ?? Fail<IReadOnlyList<int>>($"{name}: StopTokenIds is null"))
            if ((uint)id >= (uint)V) Fail($"{name}: stop token id {id} is outside the vocabulary [0, {V})");
        var stops = r.StopStrings ?? Fail<IReadOnlyList<string>>($"{name}: StopStrings is null");
        if (stops.Count > 0 && !hasTokenizer) Fail($"{name}: stop strings need text, but the engine has no tokenizer");
        for (var s = 0; s < stops.Count; s++)
            if (string.IsNullOrEmpty(stops[s])) Fail($"{name}: stop string {s} is empty");
        if (r.Sampling is null) Fail($"{name}: Sampling is null");
        try
        {
            r.Sampling.Validate(V);
        }
        catch (ArgumentException e)
        {
            Fail($"{name}: {e.Message}");
        }
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new ArgumentException(message);

    [DoesNotReturn]
    private static T Fail<T>(string message) => throw new ArgumentException(message);
}

using Fpo.Alignment.Chat;
using Microsoft.Extensions.AI;

namespace Fpo.Alignment.Judges;

/// <summary>
/// A judge that asks a chat model through Microsoft.Extensions.AI's <see cref="IChatClient"/>: any provider's client
/// works, and <see cref="Connect"/> builds one for an OpenAI-compatible server (OpenAI, Azure OpenAI, vLLM, Ollama,
/// llama.cpp, <c>./fpo serve</c>). Each order's P(first is better) is the softmax over the log-probs of "1" and "2" at
/// the answer position when the OpenAI client brought them back (<see cref="FirstTokenLogProbs"/>), else the parsed
/// answer; both orders are averaged by <see cref="OrderedJudgement"/>. Retries, timeouts and rate limits belong to the
/// client; every failure it ends with becomes an abstention with its reason.
/// </summary>
public sealed class OpenAiJudge : IJudge, IDisposable
{
    private readonly IChatClient _client;
    private readonly bool _ownsClient;
    private readonly OpenAiJudgeOptions _options;
    private readonly PromptCache _cache;

    /// <summary>A judge over <paramref name="client"/>, which the caller keeps and disposes. Its model is the one the
    /// client's metadata names ("" when it names none).</summary>
    public OpenAiJudge(IChatClient client, OpenAiJudgeOptions options, JudgeCounters? counters = null)
        : this(client, options, counters ?? new JudgeCounters(), ownsClient: false)
    {
    }

    private OpenAiJudge(IChatClient client, OpenAiJudgeOptions options, JudgeCounters counters, bool ownsClient)
    {
        _options = options.Validate();
        (_client, _ownsClient, Counters) = (client, ownsClient, counters);
        _cache = new PromptCache(options.CacheEntries);
        Model = client.GetService<ChatClientMetadata>()?.DefaultModelId ?? "";
    }

    /// <summary>A judge over its own client for <paramref name="server"/>, whose retries it counts (each one is also
    /// one more call); disposing the judge disposes the client.</summary>
    public static OpenAiJudge Connect(ChatServer server, OpenAiJudgeOptions options)
    {
        options.Validate();
        var counters = new JudgeCounters();
        var client = ChatClients.Create(server, () =>
        {
            counters.CountRetry();
            counters.CountCall();
        });
        return new OpenAiJudge(client, options, counters, ownsClient: true);
    }

    public string Name => _options.Name;
    public string Model { get; }
    public JudgeCounters Counters { get; }

    public Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken) =>
        OrderedJudgement.BothOrdersAsync(request, _options.Margin, Counters, FirstIsBetterAsync, cancellationToken);

    private async Task<JudgeVerdict> FirstIsBetterAsync(string context, string first, string second, CancellationToken cancellationToken)
    {
        var prompt = _options.Prompt;
        var answerPrompt = prompt.Render(context, first, second);
        var key = PromptCache.Key(Model, (_options.ChainOfThought ? "chain-of-thought\n" : "answer\n") + answerPrompt);
        if (_cache.TryGet(key, out var cached))
        {
            Counters.CountCacheHit();
            return JudgeVerdict.Label(cached, "cached");
        }
        var rationale = "";
        if (_options.ChainOfThought)
        {
            var (thought, failure) = await CompleteAsync(prompt.RenderRationaleRequest(context, first, second), _options.RationaleMaxTokens, false, cancellationToken).ConfigureAwait(false);
            if (failure is not null) return failure;
            rationale = thought!.Text.Trim();
            if (rationale.Length == 0) return JudgeVerdict.Abstain(AbstentionReason.Unparsable, "the rationale came back empty");
            answerPrompt = prompt.RenderWithRationale(context, first, second, rationale);
        }
        var (answer, error) = await CompleteAsync(answerPrompt, _options.AnswerMaxTokens, _options.LogProbs, cancellationToken).ConfigureAwait(false);
        if (error is not null) return error;
        var verdict = Read(answer!, rationale);
        if (verdict.ProbabilityA is { } p) _cache.Add(key, p);
        return verdict;
    }

    // The log-probs at the first generated position when the server sent them, else the text; anything malformed in
    // the client's model (fields of the wrong type) is an unparsable answer.
    private static JudgeVerdict Read(ChatResponse response, string rationale)
    {
        try
        {
            var text = response.Text;
            if (FirstTokenLogProbs.From(response) is { } candidates && PreferenceAnswer.FromLogProbs(candidates) is { } p)
                return JudgeVerdict.Label(p, Detail("log-probs", text, rationale));
            return PreferenceAnswer.FromText(text) is { } parsed
                ? JudgeVerdict.Label(parsed, Detail("text", text, rationale))
                : JudgeVerdict.Abstain(AbstentionReason.Unparsable, $"neither log-probs of \"1\"/\"2\" nor a parsable answer in {Quote(text)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return JudgeVerdict.Abstain(AbstentionReason.Unparsable, $"malformed completion ({e.GetType().Name}: {e.Message})");
        }
    }

    private static string Detail(string source, string text, string rationale) =>
        $"from {source}, answer {Quote(text)}" + (rationale.Length > 0 ? $", rationale {Quote(rationale)}" : "");

    private static string Quote(string text) => text.Length <= 80 ? $"\"{text}\"" : $"\"{text[..80]}…\"";

    // One request at temperature 0; a non-null verdict is the abstention its failure became.
    private async Task<(ChatResponse? Response, JudgeVerdict? Failure)> CompleteAsync(string prompt, int maxTokens, bool logProbs, CancellationToken cancellationToken)
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = maxTokens };
        if (logProbs) FirstTokenLogProbs.Ask(options, _options.TopLogProbs);
        Counters.CountCall();
        try
        {
            return (await _client.GetResponseAsync(prompt, options, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (!ChatFailure.IsCancellation(e, cancellationToken))
        {
            var failure = ChatFailure.Of(e);
            return (null, JudgeVerdict.Abstain(Reason(failure.Kind), failure.Detail));
        }
    }

    private static AbstentionReason Reason(ChatFailureKind kind) => kind switch
    {
        ChatFailureKind.Timeout => AbstentionReason.Timeout,
        ChatFailureKind.CallFailed => AbstentionReason.CallFailed,
        _ => AbstentionReason.Unparsable,
    };

    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }
}

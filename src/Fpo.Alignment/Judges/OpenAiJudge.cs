using System.ClientModel;
using OpenAI.Chat;

namespace Fpo.Alignment.Judges;

/// <summary>
/// A judge that asks an OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, llama.cpp, <c>./fpo serve</c>)
/// through the official OpenAI .NET client. Each order's P(first is better) is the softmax over the log-probs of "1"
/// and "2" at the answer position, else the parsed answer; both orders are averaged by <see cref="OrderedJudgement"/>.
/// Retries, timeouts, rate limits and the cache are ours, not the client's: its own retry policy is switched off so
/// every attempt is counted and <c>Retry-After</c> is honoured the same way against every server.
/// </summary>
public sealed class OpenAiJudge : IJudge, IDisposable
{
    private readonly OpenAiJudgeOptions _options;
    private readonly ChatClient _client;
    private readonly RequestThrottle _throttle;
    private readonly PromptCache _cache;
    private readonly TimeProvider _time;

    public OpenAiJudge(OpenAiJudgeOptions options, TimeProvider? time = null)
    {
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _client = ChatClients.Create(options.Endpoint, options.Model, options.ApiKey, options.ApiKeyVariable, options.Timeout);
        _throttle = new RequestThrottle(options.Concurrency, options.RequestsPerMinute, options.TokensPerMinute, _time);
        _cache = new PromptCache(options.CacheEntries);
    }

    public string Name => _options.Name;
    public string Model => _options.Model;
    public JudgeCounters Counters { get; } = new();

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
            rationale = Text(thought!).Trim();
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
    // the client's model (missing choices, fields of the wrong type) is an unparsable answer.
    private static JudgeVerdict Read(ChatCompletion completion, string rationale)
    {
        try
        {
            var text = Text(completion);
            var logProbs = completion.ContentTokenLogProbabilities;
            if (logProbs is { Count: > 0 } && logProbs[0] is { } at)
            {
                var candidates = (at.TopLogProbabilities ?? []).Select(t => (t.Token, (double)t.LogProbability)).Prepend((at.Token, at.LogProbability));
                if (PreferenceAnswer.FromLogProbs(candidates) is { } p) return JudgeVerdict.Label(p, Detail("log-probs", text, rationale));
            }
            return PreferenceAnswer.FromText(text) is { } parsed
                ? JudgeVerdict.Label(parsed, Detail("text", text, rationale))
                : JudgeVerdict.Abstain(AbstentionReason.Unparsable, $"neither log-probs of \"1\"/\"2\" nor a parsable answer in {Quote(text)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return JudgeVerdict.Abstain(AbstentionReason.Unparsable, $"malformed completion ({e.GetType().Name}: {e.Message})");
        }
    }

    private static string Text(ChatCompletion completion) => string.Concat((completion.Content ?? []).Select(part => part.Text));

    private static string Detail(string source, string text, string rationale) =>
        $"from {source}, answer {Quote(text)}" + (rationale.Length > 0 ? $", rationale {Quote(rationale)}" : "");

    private static string Quote(string text) => text.Length <= 80 ? $"\"{text}\"" : $"\"{text[..80]}…\"";

    // One request with the retry loop; a non-null verdict is the abstention the failure became.
    private async Task<(ChatCompletion? Completion, JudgeVerdict? Failure)> CompleteAsync(string prompt, int maxTokens, bool logProbs, CancellationToken cancellationToken)
    {
        var tokens = RequestThrottle.EstimateTokens(prompt, maxTokens);
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await AttemptAsync(prompt, maxTokens, logProbs, tokens, cancellationToken).ConfigureAwait(false);
            if (outcome.Completion is not null) return (outcome.Completion, null);
            var tried = $"after {attempt + 1} attempt{(attempt == 0 ? "" : "s")}";
            if (!outcome.Retryable || attempt >= _options.MaxRetries)
                return (null, JudgeVerdict.Abstain(outcome.Reason, $"{outcome.Detail} ({tried})"));
            Counters.CountRetry();
            var delay = RetryDelay.Next(attempt, _options.InitialBackoff, _options.MaxBackoff, outcome.RetryAfter, Random.Shared);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Attempt> AttemptAsync(string prompt, int maxTokens, bool logProbs, int tokens, CancellationToken cancellationToken)
    {
        using var lease = await _throttle.AcquireAsync(tokens, cancellationToken).ConfigureAwait(false);
        Counters.CountCall();
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = maxTokens };
        if (logProbs)
        {
            options.IncludeLogProbabilities = true;
            options.TopLogProbabilityCount = _options.TopLogProbs;
        }
        using var timer = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            var result = await _client.CompleteChatAsync([new UserChatMessage(prompt)], options, linked.Token).ConfigureAwait(false);
            return new Attempt(result.Value, AbstentionReason.CallFailed, false, null, "");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(null, AbstentionReason.Timeout, true, null, $"no answer within {_options.Timeout.TotalSeconds:G4} s");
        }
        catch (ClientResultException e) when (e.GetRawResponse() is { } response)
        {
            var retryable = e.Status is 408 or 429 or >= 500;
            var retryAfter = RetryDelay.RetryAfter(response, _time.GetUtcNow());
            return new Attempt(null, AbstentionReason.CallFailed, retryable, retryAfter, $"HTTP {e.Status}: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException or IOException)
        {
            return new Attempt(null, AbstentionReason.CallFailed, true, null, $"no response: {FirstLine(e.Message)}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A 200 whose body is not a chat completion (not JSON, wrong shape): asking again will not fix it.
            return new Attempt(null, AbstentionReason.Unparsable, false, null, $"unreadable response ({e.GetType().Name}: {FirstLine(e.Message)})");
        }
    }

    public void Dispose() => _throttle.Dispose();

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private readonly record struct Attempt(ChatCompletion? Completion, AbstentionReason Reason, bool Retryable, TimeSpan? RetryAfter, string Detail);
}

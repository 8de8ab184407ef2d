namespace Fpo.Alignment.Judges;

/// <summary>
/// Settings of an <see cref="OpenAiJudge"/>. <see cref="Endpoint"/> is the API's base URL including the version path
/// (e.g. http://127.0.0.1:8080/v1 for <c>./fpo serve</c>); the client appends /chat/completions.
/// </summary>
public sealed record OpenAiJudgeOptions
{
    public string Name { get; init; } = "openai";
    public required Uri Endpoint { get; init; }
    public required string Model { get; init; }

    /// <summary>The API key; when null it is read from the environment variable <see cref="ApiKeyVariable"/>, and a
    /// server without keys gets a placeholder (the client insists on one).</summary>
    public string? ApiKey { get; init; }
    public string? ApiKeyVariable { get; init; }

    public RlaifPrompt Prompt { get; init; } = new();

    /// <summary>Ask for a rationale first (temperature 0), then for the answer after it.</summary>
    public bool ChainOfThought { get; init; }
    public int RationaleMaxTokens { get; init; } = 256;

    /// <summary>Completion tokens allowed for the answer; the label is read at the first one.</summary>
    public int AnswerMaxTokens { get; init; } = 4;

    /// <summary>Ask for log-probabilities (false for servers that refuse them: the text answer is parsed instead).</summary>
    public bool LogProbs { get; init; } = true;
    /// <summary>Alternatives per position; the OpenAI API allows at most 20.</summary>
    public int TopLogProbs { get; init; } = 20;

    /// <summary>|P(A) − 0.5| below this is an abstention.</summary>
    public double Margin { get; init; } = 0.05;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Retries after the first attempt on 408/429/5xx, timeouts and connection errors.</summary>
    public int MaxRetries { get; init; } = 4;
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    public int Concurrency { get; init; } = 8;
    /// <summary>0 = no limit.</summary>
    public double RequestsPerMinute { get; init; }
    /// <summary>0 = no limit; requests are charged <see cref="RequestThrottle.EstimateTokens"/>.</summary>
    public double TokensPerMinute { get; init; }

    /// <summary>Verdicts of single orders kept (LRU); 0 turns the cache off.</summary>
    public int CacheEntries { get; init; } = 10_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} = {value}: {rule}", name);
        }
        Check(Endpoint.IsAbsoluteUri && (Endpoint.Scheme == Uri.UriSchemeHttp || Endpoint.Scheme == Uri.UriSchemeHttps), "endpoint", Endpoint, "must be an absolute http(s) URL");
        Check(Model.Length > 0, "model", "\"\"", "must name the server's model");
        Check(RationaleMaxTokens >= 1, "rationale_max_tokens", RationaleMaxTokens, "must be at least 1");
        Check(AnswerMaxTokens >= 1, "answer_max_tokens", AnswerMaxTokens, "must be at least 1");
        Check(TopLogProbs is >= 1 and <= 20, "top_logprobs", TopLogProbs, "must be in 1..20 (the OpenAI API's range)");
        Check(Margin is >= 0 and < 0.5, "margin", Margin, "must be in [0, 0.5)");
        Check(Timeout > TimeSpan.Zero, "timeout_seconds", Timeout.TotalSeconds, "must be positive");
        Check(MaxRetries >= 0, "max_retries", MaxRetries, "must be >= 0");
        Check(InitialBackoff >= TimeSpan.Zero && MaxBackoff >= InitialBackoff, "max_backoff_seconds", MaxBackoff.TotalSeconds, "must be >= initial_backoff_seconds >= 0");
        Check(Concurrency >= 1, "concurrency", Concurrency, "must be at least 1");
        Check(RequestsPerMinute >= 0, "requests_per_minute", RequestsPerMinute, "must be >= 0 (0 = no limit)");
        Check(TokensPerMinute >= 0, "tokens_per_minute", TokensPerMinute, "must be >= 0 (0 = no limit)");
        Check(CacheEntries >= 0, "cache_entries", CacheEntries, "must be >= 0 (0 = no cache)");
    }
}

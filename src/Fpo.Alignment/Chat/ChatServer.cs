namespace Fpo.Alignment.Chat;

/// <summary>
/// Where a chat model is served and how to talk to it: <see cref="ChatClients.Create"/> builds the
/// <c>IChatClient</c> from these. <see cref="Endpoint"/> is the API's base URL including the version path
/// (http://127.0.0.1:8080/v1 for <c>./fpo serve</c>; the client appends /chat/completions), or for
/// <see cref="ChatProvider.Azure"/> the resource's endpoint (https://RESOURCE.openai.azure.com).
/// </summary>
public sealed record ChatServer
{
    /// <summary>Longest wait Polly's timeout strategy accepts.</summary>
    public static readonly TimeSpan LongestTimeout = TimeSpan.FromDays(1);

    public ChatProvider Provider { get; init; } = ChatProvider.OpenAi;
    public required Uri Endpoint { get; init; }
    /// <summary>The server's model id, or the Azure deployment's name.</summary>
    public required string Model { get; init; }

    /// <summary>The environment variable holding the API key; a key is never written in a file. Without one, a
    /// keyless server gets a placeholder (the client insists on a key).</summary>
    public string? ApiKeyVariable { get; init; }

    /// <summary>Each attempt's limit.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The limit of a request with all its attempts and waits; null = <see cref="TotalTimeoutOrDefault"/>.</summary>
    public TimeSpan? TotalTimeout { get; init; }
    /// <summary>Retries after the first attempt on 408/429/5xx, timeouts and connection errors.</summary>
    public int MaxRetries { get; init; } = 4;
    /// <summary>Exponential backoff with jitter from here up to <see cref="MaxBackoff"/>, unless the server sends
    /// <c>Retry-After</c>, which is waited as asked.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    public MaxTokensField MaxTokensField { get; init; } = MaxTokensField.MaxTokens;

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = 8;
    /// <summary>0 = no limit.</summary>
    public double RequestsPerMinute { get; init; }
    /// <summary>0 = no limit; requests are charged <see cref="ChatRateLimits.EstimateTokens"/>.</summary>
    public double TokensPerMinute { get; init; }

    /// <summary>Every attempt timing out and waiting the longest backoff in between (at most a day).</summary>
    public TimeSpan TotalTimeoutOrDefault =>
        TotalTimeout ?? TimeSpan.FromTicks(Math.Min(LongestTimeout.Ticks, Timeout.Ticks * (MaxRetries + 1L) + MaxBackoff.Ticks * MaxRetries));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting by its YAML key.</summary>
    public ChatServer Validate(string endpointKey = "endpoint")
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} = {value}: {rule}", name);
        }
        var shortest = TimeSpan.FromMilliseconds(10);  // Polly's timeout strategy refuses anything shorter
        Check(Endpoint.IsAbsoluteUri && (Endpoint.Scheme == Uri.UriSchemeHttp || Endpoint.Scheme == Uri.UriSchemeHttps), endpointKey, Endpoint, "must be an absolute http(s) URL");
        Check(Model.Length > 0, "model", "\"\"", Provider == ChatProvider.Azure ? "must name the Azure deployment" : "must name the server's model");
        Check(Timeout >= shortest && Timeout <= LongestTimeout, "timeout_seconds", Timeout.TotalSeconds, "must be positive: from 0.01 s to a day");
        Check(TotalTimeout is not { } total || (total >= Timeout && total <= LongestTimeout), "total_timeout_seconds", TotalTimeout?.TotalSeconds ?? 0, "must be from timeout_seconds to a day");
        Check(MaxRetries >= 0, "max_retries", MaxRetries, "must be >= 0");
        Check(InitialBackoff >= TimeSpan.Zero && MaxBackoff >= InitialBackoff && MaxBackoff <= LongestTimeout, "max_backoff_seconds", MaxBackoff.TotalSeconds, "must be >= initial_backoff_seconds >= 0, and at most a day");
        Check(Concurrency >= 1, "concurrency", Concurrency, "must be at least 1");
        Check(RequestsPerMinute >= 0, "requests_per_minute", RequestsPerMinute, "must be >= 0 (0 = no limit)");
        Check(TokensPerMinute >= 0, "tokens_per_minute", TokensPerMinute, "must be >= 0 (0 = no limit)");
        return this;
    }
}

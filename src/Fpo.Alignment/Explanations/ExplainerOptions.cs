namespace Fpo.Alignment.Explanations;

/// <summary>
/// The OpenAI-compatible chat server a <see cref="FeatureExplainer"/> asks. <see cref="BaseUrl"/> includes the version
/// path (http://127.0.0.1:8080/v1 for <c>./fpo serve</c>).
/// </summary>
public sealed record ExplainerOptions
{
    public required Uri BaseUrl { get; init; }
    public required string Model { get; init; }
    /// <summary>The key; when null it is read from the environment variable <see cref="ApiKeyVariable"/>.</summary>
    public string? ApiKey { get; init; }
    public string? ApiKeyVariable { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Retries after the first attempt on 408/429/5xx, timeouts and connection errors.</summary>
    public int MaxRetries { get; init; } = 3;
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
    public int ExplanationMaxTokens { get; init; } = 80;
    /// <summary>Completion tokens per simulated context (a line per token needs several).</summary>
    public int SimulationMaxTokens { get; init; } = 400;
    /// <summary>Largest fraction of held-out contexts whose simulation may fail before there is no score.</summary>
    public double MaxFailedFraction { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public ExplainerOptions Validate()
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} = {value}: {rule}", name);
        }
        Check(BaseUrl.IsAbsoluteUri && (BaseUrl.Scheme == Uri.UriSchemeHttp || BaseUrl.Scheme == Uri.UriSchemeHttps), "base_url", BaseUrl, "must be an absolute http(s) URL");
        Check(Model.Length > 0, "model", "\"\"", "must name the server's model");
        Check(Timeout > TimeSpan.Zero, "timeout_seconds", Timeout.TotalSeconds, "must be positive");
        Check(MaxRetries >= 0, "max_retries", MaxRetries, "must be >= 0");
        Check(InitialBackoff >= TimeSpan.Zero && MaxBackoff >= InitialBackoff, "max_backoff_seconds", MaxBackoff.TotalSeconds, "must be >= initial_backoff_seconds >= 0");
        Check(ExplanationMaxTokens >= 1, "explanation_max_tokens", ExplanationMaxTokens, "must be at least 1");
        Check(SimulationMaxTokens >= 1, "simulation_max_tokens", SimulationMaxTokens, "must be at least 1");
        Check(MaxFailedFraction is >= 0 and < 1, "max_failed_fraction", MaxFailedFraction, "must be in [0, 1)");
        return this;
    }
}

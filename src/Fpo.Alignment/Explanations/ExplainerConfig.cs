using Fpo.Alignment.Judges.Config;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// <see cref="ExplainerOptions"/> from YAML, read as strictly as the judges' files: <c>base_url</c> (default
/// http://127.0.0.1:8080/v1), <c>model</c>, <c>api_key</c> or <c>api_key_env</c>, <c>timeout_seconds</c>,
/// <c>max_retries</c>, <c>initial_backoff_seconds</c>, <c>max_backoff_seconds</c>, <c>explanation_max_tokens</c>,
/// <c>simulation_max_tokens</c>, <c>max_failed_fraction</c>. Unknown keys are errors.
/// </summary>
public static class ExplainerConfig
{
    public static ExplainerOptions Load(string path) => Read(YamlSection.Load(path));

    public static ExplainerOptions Read(YamlSection y)
    {
        var url = y.OptionalString("base_url") ?? "http://127.0.0.1:8080/v1";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw y.Error("base_url", $"'{url}' is not an absolute URL");
        var options = new ExplainerOptions
        {
            BaseUrl = uri,
            Model = y.String("model"),
            ApiKey = y.OptionalString("api_key"),
            ApiKeyVariable = y.OptionalString("api_key_env"),
            Timeout = TimeSpan.FromSeconds(y.Double("timeout_seconds", 60)),
            MaxRetries = y.Int("max_retries", 3),
            InitialBackoff = TimeSpan.FromSeconds(y.Double("initial_backoff_seconds", 1)),
            MaxBackoff = TimeSpan.FromSeconds(y.Double("max_backoff_seconds", 30)),
            ExplanationMaxTokens = y.Int("explanation_max_tokens", 80),
            SimulationMaxTokens = y.Int("simulation_max_tokens", 400),
            MaxFailedFraction = y.Double("max_failed_fraction", 0.5),
        };
        y.RejectUnknown();
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            throw y.Error(e.ParamName ?? "", e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal));
        }
    }
}

using Fpo.Alignment.Judges.Config;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// <see cref="ExplainerSettings"/> from YAML, read as strictly as the judges' files: the chat server's keys with its
/// URL as <c>base_url</c> (see <see cref="ChatServerConfig"/>: <c>provider</c>, <c>base_url</c>, <c>model</c>,
/// <c>api_key_env</c>, timeouts, retries, <c>max_tokens_field</c>, rate limits), and <c>explanation_max_tokens</c>,
/// <c>simulation_max_tokens</c>, <c>max_failed_fraction</c>. Unknown keys are errors.
/// </summary>
public static class ExplainerConfig
{
    public static ExplainerSettings Load(string path) => Read(YamlSection.Load(path));

    public static ExplainerSettings Read(YamlSection y)
    {
        var server = ChatServerConfig.Read(y, "base_url");
        var options = y.Validated(() => new ExplainerOptions
        {
            ExplanationMaxTokens = y.Int("explanation_max_tokens", 80),
            SimulationMaxTokens = y.Int("simulation_max_tokens", 400),
            MaxFailedFraction = y.Double("max_failed_fraction", 0.5),
        }.Validate());
        y.RejectUnknown();
        return new ExplainerSettings(server, options);
    }
}

using Fpo.Silo.SiloApi;

namespace Fpo.Silo.Cli.Loop;

/// <summary>Turns the api section of the layered config into <see cref="SiloApiOptions"/>; null when the API is off.</summary>
public static class ApiSettingsReader
{
    public static SiloApiOptions? Read(LoopConfig c, System.Collections.IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(environment);
        if (!c.Bool("api.enabled")) return null;
        var tokenVariable = c.String("api.token_env");
        var token = tokenVariable is null ? null : environment[tokenVariable] as string;
        var options = new SiloApiOptions
        {
            Host = c.String("api.host") ?? "127.0.0.1",
            Port = c.Int("api.port"),
            Token = string.IsNullOrEmpty(token) ? null : token,
            AlertFactor = c.Double("api.alert_factor"),
            AlertMinFrequency = c.Double("api.alert_min_frequency"),
            AlertFdr = c.Double("api.alert_fdr"),
            ServeOpenAi = c.Bool("api.serve_openai"),
        };
        try
        {
            return options.Validate();
        }
        catch (ArgumentException e)
        {
            var key = LoopConfigKeys.All.FirstOrDefault(k => e.Message.Contains(k.Path, StringComparison.Ordinal))?.Path;
            throw key is null ? new CliException(e.Message) : c.Bad(key, e.Message);
        }
    }
}

using Fpo.Grains.Contracts;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// How the silo's HTTP API runs: where it listens (loopback unless configured), the bearer token that protects every
/// route but /healthz and the dashboard's static shell, the body limit, the alert thresholds, and whether it serves the
/// OpenAI-compatible endpoints of the newest snapshot.
/// </summary>
public sealed record SiloApiOptions
{
    /// <summary>An IP address; 127.0.0.1 by default so nothing is exposed unless asked.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; } = 8088;

    /// <summary>When set, every route but /healthz and the dashboard's files needs "Authorization: Bearer TOKEN".</summary>
    public string? Token { get; init; }

    /// <summary>Largest request body; a larger one gets 413.</summary>
    public long MaxBodyBytes { get; init; } = 1 << 20;

    /// <summary>An alert needs a latent's frequency to move by this factor (or its inverse) between consecutive snapshots.</summary>
    public double AlertFactor { get; init; } = FeatureAlertSettings.DefaultFactor;

    /// <summary>Frequencies below this count as this in the alert ratio, so rare latents do not flood the alerts.</summary>
    public double AlertMinFrequency { get; init; } = FeatureAlertSettings.DefaultMinFrequency;

    /// <summary>
    /// An alert needs the move to be significant: its Benjamini–Hochberg q-value over every latent tested at most this,
    /// the expected share of sampling noise among a comparison's alerts.
    /// </summary>
    public double AlertFdr { get; init; } = FeatureAlertSettings.DefaultFalseDiscoveryRate;

    /// <summary>A snapshot's statistics are compared for alerts only once they hold this many tokens.</summary>
    public long AlertMinTokens { get; init; } = FeatureAlertSettings.DefaultMinTokens;

    /// <summary>Serve /v1/chat/completions, /v1/completions and /v1/models for the newest snapshot.</summary>
    public bool ServeOpenAi { get; init; } = true;

    /// <summary>The model id of the OpenAI-compatible endpoints.</summary>
    public string ModelName { get; init; } = "fpo-policy";

    /// <summary>Sequences the OpenAI-compatible endpoints decode together.</summary>
    public int MaxBatch { get; init; } = 4;

    public SiloApiOptions Validate()
    {
        Check(Port is >= 0 and <= 65535, $"api.port must be in [0, 65535] (got {Port})");
        Check(MaxBodyBytes >= 1024, $"the API's body limit must be at least 1024 bytes (got {MaxBodyBytes})");
        Check(AlertFactor > 1 && double.IsFinite(AlertFactor), $"api.alert_factor must be above 1 (got {AlertFactor})");
        Check(AlertMinFrequency is > 0 and <= 1, $"api.alert_min_frequency must be in (0, 1] (got {AlertMinFrequency})");
        Check(AlertFdr is > 0 and < 1, $"api.alert_fdr must be in (0, 1), the false discovery rate of the alerts (got {AlertFdr})");
        Check(AlertMinTokens >= 0, $"the alerts' minimum of tokens per snapshot must be at least 0 (got {AlertMinTokens})");
        Check(MaxBatch >= 1, $"the API's decode batch must be at least 1 (got {MaxBatch})");
        Check(Token is null || Token.Length > 0, "api token is empty; unset it or give a value");
        return this;
    }

    /// <summary>The alert thresholds as the feature queries take them.</summary>
    public FeatureAlertSettings Alerts() => new(AlertFactor, AlertMinFrequency, AlertFdr, AlertMinTokens);

    private static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}

using System.Collections;
using System.Globalization;
using Fpo.Grains.Contracts;
using Fpo.Silo.Cli;
using Fpo.Silo.Cli.Loop;
using Fpo.Silo.Cli.Silo;
using Fpo.Silo.SiloApi;
using Fpo.Testing;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>
/// The alert settings of the api section: the shipped configs and the key list give the code's defaults, and a value
/// out of range is an error naming the key and where the value came from.
/// </summary>
public sealed class AlertSettingsConfigTests
{
    [Theory]
    [InlineData("local.yaml")]
    [InlineData("api.yaml")]
    public void The_shipped_configs_set_the_default_alert_settings(string file)
    {
        var config = LoopConfig.Load(Path.Combine(RepoPaths.Root, "silo-config", file), new Hashtable(), [], SiloConfigKeys.All, "fpo silo", []);

        var options = ApiSettingsReader.Read(config, new Hashtable())!;

        Assert.Equal(FeatureAlertSettings.Default, options.Alerts());
        Assert.Equal(FeatureAlertSettings.Default, new SiloApiOptions().Alerts());
    }

    [Fact]
    public void The_key_list_gives_the_default_alert_settings()
    {
        double Default(string key) => double.Parse(LoopConfigKeys.All.Single(k => k.Path == key).Default, CultureInfo.InvariantCulture);

        Assert.Equal((FeatureAlertSettings.DefaultFactor, FeatureAlertSettings.DefaultMinFrequency, FeatureAlertSettings.DefaultFalseDiscoveryRate),
            (Default("api.alert_factor"), Default("api.alert_min_frequency"), Default("api.alert_fdr")));
    }

    [Theory]
    [InlineData("api.alert_fdr=0", "api.alert_fdr must be in (0, 1)")]
    [InlineData("api.alert_fdr=1", "api.alert_fdr must be in (0, 1)")]
    [InlineData("api.alert_fdr=1.5", "api.alert_fdr must be in (0, 1)")]
    [InlineData("api.alert_fdr=-0.05", "api.alert_fdr must be in (0, 1)")]
    [InlineData("api.alert_fdr=often", "expected a number, found 'often'")]
    [InlineData("api.alert_factor=1", "api.alert_factor must be above 1")]
    [InlineData("api.alert_min_frequency=0", "api.alert_min_frequency must be in (0, 1]")]
    public void A_bad_alert_setting_is_an_error_naming_the_key_and_its_source(string set, string problem)
    {
        var config = LoopConfig.Load(null, new Hashtable(), [LoopConfig.ParseSet(set, LoopConfigKeys.All)]);

        var e = Assert.Throws<CliException>(() => ApiSettingsReader.Read(config, new Hashtable()));

        Assert.StartsWith($"--set {set[..set.IndexOf('=', StringComparison.Ordinal)]}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Options_with_a_rate_outside_0_1_are_refused(double rate)
    {
        var e = Assert.Throws<ArgumentException>(() => new SiloApiOptions { AlertFdr = rate }.Validate());

        Assert.Contains("api.alert_fdr must be in (0, 1), the false discovery rate of the alerts", e.Message, StringComparison.Ordinal);
    }
}

using System.Text.Json;
using System.Xml.Linq;
using Fpo.Silo.Cli.Experiments;

namespace Fpo.Silo.Tests.Experiments;

/// <summary>The frontier's table, JSON and charts from known results.</summary>
public sealed class FrontierReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-frontier-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly FrontierResult[] Results =
    [
        new("fpo", 0.1f, 0.5f, "fpo-b0.1-a0.5", 6, 24, 192, 0.8, 0.75, 0.0123, 0.05, 40.5, 3.0, "MaxDuration"),
        new("dpo", 0.1f, null, "dpo-b0.1", 5, 20, 160, 0.7, 0.65, 0.02, null, 38, 3.0, "MaxDuration"),
        new("simpo", 2f, null, "simpo-b2", 0, 0, 0, null, null, 0, 0, 41, 0.5, "Requested"),
    ];

    [Fact]
    public void TheTableHasARowPerRunWithMissingValuesAsDashes()
    {
        var lines = FrontierReport.Markdown(Results).Split('\n');
        Assert.StartsWith("| method | beta | alpha |", lines[0], StringComparison.Ordinal);
        Assert.Equal("| fpo | 0.1 | 0.5 | 6 | 24 | 192 | 80.0 % | 75.0 % | 0.0123 | 0.05 | 40.5 | 3.0 | MaxDuration |", lines[2]);
        Assert.Equal("| dpo | 0.1 | - | 5 | 20 | 160 | 70.0 % | 65.0 % | 0.0200 | - | 38.0 | 3.0 | MaxDuration |", lines[3]);
        Assert.StartsWith("| simpo | 2 | - | 0 | 0 | 0 | - | - |", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesTheJsonAndChartsWithOnlyRunsThatHaveBothCoordinates()
    {
        await FrontierReport.WriteAsync(_root, Results);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_root, FrontierReport.JsonFile), TestContext.Current.CancellationToken));
        Assert.Equal(3, json.RootElement.GetArrayLength());
        Assert.Equal(0.0123, json.RootElement[0].GetProperty("kl_per_token").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.RootElement[1].GetProperty("feature_drift").ValueKind);
        XNamespace svg = "http://www.w3.org/2000/svg";
        int Points(string file) => XDocument.Load(Path.Combine(_root, file)).Descendants(svg + "circle").Count(c => (string?)c.Attribute("class") == "point");
        Assert.Equal(2, Points(FrontierReport.KlChart));
        Assert.Equal(1, Points(FrontierReport.DriftChart));
        Assert.Contains("](frontier-kl.svg)", await File.ReadAllTextAsync(Path.Combine(_root, FrontierReport.MarkdownFile), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

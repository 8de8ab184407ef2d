using System.Text.Json;
using System.Xml.Linq;
using Fpo.Silo.Cli.Experiments;

namespace Fpo.Silo.Tests.Experiments;

/// <summary>The frontier's table, matched comparisons, JSON and charts from known results.</summary>
public sealed class FrontierReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fpo-frontier-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // A curve rising in win rate with KL: lc = base + slope * kl at KL 0, 0.01, 0.02, 0.04.
    private static List<CurvePoint> Curve(double lcAtZero, double slope, double? drift = 0.001) =>
        [.. new[] { 0.0, 0.01, 0.02, 0.04 }.Select((kl, i) => new CurvePoint(4 * i, kl, drift * i, lcAtZero + slope * kl, lcAtZero + slope * kl - 0.08, lcAtZero + slope * kl + 0.08, 60))];

    private static FrontierResult Run(string method, float beta, float? alpha, int seed, double lcAtZero, double slope, double? drift = 0.001) =>
        new(method, beta, alpha, seed, $"{method}-s{seed}", 12, 48, 384, 0.8, 0.75, lcAtZero + slope * 0.04, lcAtZero + slope * 0.04 - 0.08,
            lcAtZero + slope * 0.04 + 0.08, 0.04, drift is null ? null : drift * 3, 60, 3.0, "MaxDuration", Curve(lcAtZero, slope, drift));

    private static readonly FrontierResult[] Results =
    [
        Run("fpo", 0.1f, 0.5f, 1, 0.5, 5.0), Run("fpo", 0.1f, 0.5f, 2, 0.5, 5.2), Run("fpo", 0.1f, 0.5f, 3, 0.5, 4.8),
        Run("dpo", 0.1f, null, 1, 0.5, 2.0), Run("dpo", 0.1f, null, 2, 0.5, 2.1), Run("dpo", 0.1f, null, 3, 0.5, 1.9),
        Run("simpo", 2f, null, 1, 0.5, 4.0, null), Run("simpo", 2f, null, 2, 0.5, 6.0, null), Run("simpo", 2f, null, 3, 0.5, 5.5, null),
    ];

    [Fact]
    public void TheTableHasARowPerRunWithTheLengthControlledRateAndItsInterval()
    {
        var lines = FrontierReport.Markdown(Results).Split('\n');
        Assert.StartsWith("| method | beta | alpha | seed |", lines[0], StringComparison.Ordinal);
        Assert.Equal("| fpo | 0.1 | 0.5 | 1 | 12 | 48 | 70.0 % [62.0 %, 78.0 %] | 75.0 % | 0.0400 | 0.003 | 60.0 | 3.0 | MaxDuration |", lines[2]);
        Assert.StartsWith("| dpo | 0.1 | - | 2 | 12 | 48 | 58.4 %", lines[6], StringComparison.Ordinal);
    }

    [Fact]
    public void AtMatchedKlFpoBeatsDpoOnlyWhereTheIntervalsOverTheSeedsAreApart()
    {
        var levels = MatchedComparison.Levels(Results, p => p.Kl);
        Assert.Equal([0.02, 0.04], levels);
        var table = MatchedComparison.Compare(Results, levels, "KL/token", p => p.Kl);
        var fpo = table.Cells[1, table.Settings.ToList().IndexOf("fpo-b0.1-a0.5")]!;
        Assert.Equal(0.5 + 5.0 * 0.04, fpo.Mean, 6);
        Assert.Equal(3, fpo.Runs);
        Assert.Equal(4.303 * 0.2 * 0.04 / Math.Sqrt(3), fpo.High - fpo.Mean, 6);  // t-interval of the seeds' slopes 4.8, 5.0, 5.2
        var verdicts = MatchedComparison.Verdicts(table).ToList();
        Assert.Contains(verdicts, v => v.Contains("at KL/token 0.04: fpo-b0.1-a0.5 70.0% against dpo-b0.1 58.0%", StringComparison.Ordinal) && v.EndsWith("FPO higher (intervals apart)", StringComparison.Ordinal));
        Assert.Contains(verdicts, v => v.Contains("against simpo-b2", StringComparison.Ordinal) && v.EndsWith("no difference beyond the intervals", StringComparison.Ordinal));
        // SimPO's runs have no drift: the drift comparison leaves them out rather than guessing.
        var drift = MatchedComparison.Compare(Results, MatchedComparison.Levels(Results, p => p.Drift), "drift", p => p.Drift);
        Assert.Null(drift.Cells[0, drift.Settings.ToList().IndexOf("simpo-b2")]);
    }

    [Fact]
    public void InterpolationTakesTheFirstCrossingAndNothingBeyondTheCurve()
    {
        var curve = Curve(0.5, 5.0);
        Assert.Equal(0.5 + 5.0 * 0.015, FrontierCurve.At(curve, 0.015, p => p.Kl)!.Value.Lc, 9);
        Assert.Null(FrontierCurve.At(curve, 0.05, p => p.Kl));
        Assert.Equal(12.706, MatchedComparison.StudentT975(1));
        Assert.True(double.IsNaN(MatchedComparison.Summarise([0.7]).Low));
    }

    [Fact]
    public async Task WritesTheJsonAndChartsOfEverySnapshotWithBothCoordinates()
    {
        await FrontierReport.WriteAsync(_root, Results);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_root, FrontierReport.JsonFile), TestContext.Current.CancellationToken));
        var runs = json.RootElement.GetProperty("runs");
        Assert.Equal(9, runs.GetArrayLength());
        Assert.Equal(0.04, runs[0].GetProperty("kl_per_token").GetDouble());
        Assert.Equal(JsonValueKind.Null, runs[6].GetProperty("feature_drift").ValueKind);
        Assert.Equal(4, runs[0].GetProperty("curve").GetArrayLength());
        Assert.Contains(json.RootElement.GetProperty("matched").EnumerateArray(), m => m.GetProperty("axis").GetString() == "KL/token");
        XNamespace svg = "http://www.w3.org/2000/svg";
        int Points(string file) => XDocument.Load(Path.Combine(_root, file)).Descendants(svg + "circle").Count(c => (string?)c.Attribute("class") == "point");
        Assert.Equal(9 * 4, Points(FrontierReport.KlChart));
        Assert.Equal(6 * 4, Points(FrontierReport.DriftChart));
        Assert.Contains("](frontier-kl.svg)", await File.ReadAllTextAsync(Path.Combine(_root, FrontierReport.MarkdownFile), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneSeedPerSettingHasNoIntervalAndStillWritesItsReport()
    {
        FrontierResult[] one = [Run("fpo", 0.1f, 0.5f, 1, 0.5, 5.0), Run("dpo", 0.1f, null, 1, 0.5, 2.0)];
        await FrontierReport.WriteAsync(_root, one);
        var md = await File.ReadAllTextAsync(Path.Combine(_root, FrontierReport.MarkdownFile), TestContext.Current.CancellationToken);
        Assert.Contains("70.0% [-, -] (n=1)", md, StringComparison.Ordinal);
        Assert.Contains("no difference beyond the intervals", md, StringComparison.Ordinal);
        Assert.Contains("\"NaN\"", await File.ReadAllTextAsync(Path.Combine(_root, FrontierReport.JsonFile), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrittenReportReadsBackToTheSameRunsAndAMissingOneIsAClearError()
    {
        await FrontierReport.WriteAsync(_root, Results);
        var back = FrontierReport.Read(_root);
        Assert.Equal(Results.Length, back.Count);
        Assert.Equal(Results[0].Curve, back[0].Curve);
        Assert.Equal(FrontierReport.Markdown(Results), FrontierReport.Markdown(back));
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;
        Assert.Contains("holds no frontier.json", Assert.Throws<Fpo.Silo.Cli.CliException>(() => FrontierReport.Read(empty)).Message, StringComparison.Ordinal);
    }
}

using System.Globalization;
using Fpo.Silo.Charts;

namespace Fpo.Silo.Tests.Charts;

/// <summary>Per-snapshot panels: data lands on the right pixels, lines break at missing points, odd inputs still draw.</summary>
public sealed class LineChartTests
{
    private const double Pixel = 0.01;

    private static readonly LineSeries WinRate = new("win rate", [new(0, 0.5), new(1, 0.6), new(2, null), new(3, 0.9), new(4, 0.7)]);
    private static readonly LineSeries Kl = new("KL", [new(0, 0), new(1, 0.02), new(2, 0.05), new(3, double.NaN), new(4, 0.11)]);

    [Fact]
    public void PointsMapMonotonicallyWithTheExtremesOnThePlotEdges()
    {
        var svg = new SvgDocument(LineChart.Render("FPO run", "snapshot version", [WinRate, Kl]));
        var plots = svg.All("rect", "plot").Select(SvgDocument.Box).ToList();
        Assert.Equal(2, plots.Count);
        Assert.True(plots[0].Bottom < plots[1].Top, "panels are stacked vertically");
        Assert.Equal((plots[0].Left, plots[0].Right), (plots[1].Left, plots[1].Right));

        var dots = svg.All("circle", "point").Select(SvgDocument.Center).ToList();
        Assert.Equal(4 + 4, dots.Count);
        var win = dots[..4];
        Assert.Equal(plots[0].Left, win[0].X, Pixel);
        Assert.Equal(plots[0].Right, win[3].X, Pixel);
        Assert.Equal(plots[0].Bottom, win[0].Y, Pixel);
        Assert.Equal(plots[0].Top, win[2].Y, Pixel);
        Assert.Equal(plots[0].Left + (plots[0].Right - plots[0].Left) * 3 / 4, win[2].X, Pixel);
        Assert.Equal(plots[0].Bottom - (plots[0].Bottom - plots[0].Top) * (0.7 - 0.5) / (0.9 - 0.5), win[3].Y, Pixel);
        Assert.True(win[0].Y > win[1].Y && win[1].Y > win[3].Y && win[3].Y > win[2].Y, "a higher win rate is drawn higher");
        Assert.All(dots[4..], d => Assert.InRange(d.Y, plots[1].Top - Pixel, plots[1].Bottom + Pixel));

        var lines = svg.All("polyline", "series").Select(SvgDocument.Points).ToList();
        Assert.Equal([2, 2, 3], lines.Select(l => l.Count));
        Assert.Equal(win[..2], lines[0]);
        Assert.Equal(win[2..], lines[1]);
        Assert.Contains("win rate", svg.Texts);
        Assert.Contains("snapshot version", svg.Texts);
    }

    [Fact]
    public void VersionTicksAreWholeNumbersAndNumbersIgnoreTheCurrentCulture()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var svg = new SvgDocument(LineChart.Render("t", "v", [new LineSeries("drift", [new(0, 1.25), new(1, 2.5), new(2, 0.75)])]));
            Assert.Equal(["t", "0", "1", "2", "1", "1.5", "2", "2.5", "v", "drift"], svg.Texts);
            foreach (var attribute in svg.All("rect").Concat(svg.All("circle")).SelectMany(e => e.Attributes()).Where(a => a.Name.LocalName is "x" or "y" or "cx" or "cy" or "width" or "height"))
                Assert.DoesNotContain(",", attribute.Value, StringComparison.Ordinal);
            Assert.Equal(3, SvgDocument.Points(svg.All("polyline", "series").Single()).Count);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void TextIsEscaped()
    {
        var raw = LineChart.Render("<b>run</b> & \"quotes\"", "x\u0001", [new LineSeries("KL <to ref>", [new(0, 1)])]);
        Assert.Contains("&lt;b&gt;run&lt;/b&gt; &amp; &quot;quotes&quot;", raw, StringComparison.Ordinal);
        var svg = new SvgDocument(raw);
        Assert.Contains("<b>run</b> & \"quotes\"", svg.Texts);
        Assert.Contains("KL <to ref>", svg.Texts);
        Assert.Contains("x", svg.Texts);
    }

    [Fact]
    public void EmptyDataAndASinglePointDrawWithoutNaN()
    {
        Assert.Contains("no data", new SvgDocument(LineChart.Render("empty", "v", [])).Texts);
        Assert.Contains("no data", new SvgDocument(LineChart.Render("missing", "v", [new LineSeries("KL", [new(0, null), new(1, double.NaN)])])).Texts);

        var svg = new SvgDocument(LineChart.Render("one", "v", [new LineSeries("win rate", [new(3, 0.8)])]));
        var plot = SvgDocument.Box(svg.All("rect", "plot").Single());
        var dot = SvgDocument.Center(svg.All("circle", "point").Single());
        Assert.Equal((plot.Left + plot.Right) / 2, dot.X, Pixel);
        Assert.Equal((plot.Top + plot.Bottom) / 2, dot.Y, Pixel);
        Assert.Empty(svg.All("polyline"));
    }
}

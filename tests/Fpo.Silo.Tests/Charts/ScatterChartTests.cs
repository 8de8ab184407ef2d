using Fpo.Silo.Charts;

namespace Fpo.Silo.Tests.Charts;

/// <summary>Method points against KL or drift: pixel mapping, one colour per method with a legend, escaping, odd inputs.</summary>
public sealed class ScatterChartTests
{
    private const double Pixel = 0.01;

    private static readonly ScatterPoint[] Frontier =
    [
        new(0.02, 0.55, "β=0.1", "FPO"),
        new(0.10, 0.80, "β=0.05", "FPO"),
        new(0.06, 0.60, "β=0.1", "DPO"),
        new(0.04, 0.70, "β=2 <α&γ>", "SimPO"),
    ];

    [Fact]
    public void PointsMapOntoThePlotWithExtremesOnItsEdges()
    {
        var svg = new SvgDocument(ScatterChart.Render("frontier", "KL to reference", "final win rate", Frontier));
        var plot = SvgDocument.Box(svg.All("rect", "plot").Single());
        var dots = svg.All("circle", "point").Select(SvgDocument.Center).ToList();
        Assert.Equal(4, dots.Count);
        Assert.Equal((plot.Left, plot.Bottom), dots[0], new PixelComparer());
        Assert.Equal((plot.Right, plot.Top), dots[1], new PixelComparer());
        Assert.Equal(plot.Left + (plot.Right - plot.Left) * 0.5, dots[2].X, Pixel);
        Assert.Equal(plot.Bottom - (plot.Bottom - plot.Top) * 0.6, dots[3].Y, Pixel);
        Assert.Contains("KL to reference", svg.Texts);
        Assert.Contains("final win rate", svg.Texts);
    }

    [Fact]
    public void EachSeriesHasOneColourAndALegendEntry()
    {
        var svg = new SvgDocument(ScatterChart.Render("frontier", "KL", "win rate", Frontier));
        var fills = svg.All("circle", "point").Select(c => (string)c.Attribute("fill")!).ToList();
        Assert.Equal(fills[0], fills[1]);
        Assert.Equal(3, fills.Distinct().Count());
        var legend = svg.All("circle", "legend").Select(c => (string)c.Attribute("fill")!).ToList();
        Assert.Equal(fills.Distinct(), legend);
        Assert.Contains("SimPO", svg.Texts);
    }

    [Fact]
    public void LabelsAreEscaped()
    {
        var raw = ScatterChart.Render("a & b", "x", "y", Frontier);
        Assert.Contains("β=2 &lt;α&amp;γ&gt;", raw, StringComparison.Ordinal);
        var svg = new SvgDocument(raw);
        Assert.Contains("β=2 <α&γ>", svg.Texts);
        Assert.Contains("a & b", svg.Texts);
    }

    [Fact]
    public void EmptyDataAndASinglePointDrawWithoutNaN()
    {
        Assert.Contains("no data", new SvgDocument(ScatterChart.Render("none", "x", "y", [])).Texts);
        Assert.Contains("no data", new SvgDocument(ScatterChart.Render("bad", "x", "y", [new(double.NaN, 1, "a", "FPO")])).Texts);
        var svg = new SvgDocument(ScatterChart.Render("one", "x", "y", [new(0, 0, "only", "FPO")]));
        var plot = SvgDocument.Box(svg.All("rect", "plot").Single());
        Assert.Equal(((plot.Left + plot.Right) / 2, (plot.Top + plot.Bottom) / 2), SvgDocument.Center(svg.All("circle", "point").Single()), new PixelComparer());
    }

    private sealed class PixelComparer : IEqualityComparer<(double X, double Y)>
    {
        public bool Equals((double X, double Y) a, (double X, double Y) b) => Math.Abs(a.X - b.X) <= Pixel && Math.Abs(a.Y - b.Y) <= Pixel;

        public int GetHashCode((double X, double Y) obj) => 0;
    }
}

namespace Fpo.Silo.Charts;

/// <summary>One labelled point of a <see cref="ScatterChart"/>; <see cref="Series"/> (e.g. the method) picks its colour.</summary>
public sealed record ScatterPoint(double X, double Y, string Label, string Series);

/// <summary>Labelled points coloured by series with a legend, e.g. final win rate against KL for each method and setting.</summary>
public static class ScatterChart
{
    private const double Width = 760, Height = 480, Left = 72, Right = 170, Top = 48, Bottom = 56;

    /// <summary>The chart as an SVG 1.1 document; points with a non-finite coordinate are left out.</summary>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ScatterPoint> points)
    {
        var svg = new SvgWriter(Width, Height);
        svg.Text(Width / 2, 26, title, "middle", 15, bold: true);
        var plot = new PlotArea(Left, Top, Width - Left - Right, Height - Top - Bottom);
        var shown = points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var (x, y) = plot.Fit(shown.Select(p => p.X), shown.Select(p => p.Y));
        plot.Draw(svg, x, y, xLabel, yLabel);
        if (shown.Count == 0) plot.NoData(svg);
        var series = points.Select(p => p.Series).Distinct().ToList();
        foreach (var p in shown)
        {
            double px = x.Map(p.X), py = y.Map(p.Y);
            svg.Circle(px, py, 5, ChartColors.Of(series.IndexOf(p.Series)), "point", $"{p.Series} {p.Label}: ({LinearScale.Label(p.X)}, {LinearScale.Label(p.Y)})");
            svg.Text(px + 7, py - 7, p.Label, size: 9);
        }
        for (var i = 0; i < series.Count; i++)
        {
            var ly = Top + 10 + i * 20;
            svg.Circle(plot.Right + 24, ly, 5, ChartColors.Of(i), "legend");
            svg.Text(plot.Right + 36, ly + 4, series[i], size: 12);
        }
        return svg.ToString();
    }
}

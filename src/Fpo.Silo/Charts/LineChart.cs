namespace Fpo.Silo.Charts;

/// <summary>A point of a <see cref="LineSeries"/>; a null or non-finite <see cref="Y"/> is missing (e.g. a snapshot not evaluated).</summary>
public sealed record LinePoint(double X, double? Y);

/// <summary>One measured quantity over the x axis, e.g. "win rate" per snapshot version.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<LinePoint> Points);

/// <summary>
/// Series against a shared x axis (snapshot versions), each in its own panel stacked vertically, since win rate, KL and
/// drift have different scales. Lines break at missing points; every present point gets a dot.
/// </summary>
public static class LineChart
{
    private const double Width = 720, Left = 72, Right = 24, Top = 48, PanelHeight = 150, Gap = 44, Bottom = 48;

    /// <summary>The chart as an SVG 1.1 document; x ticks are whole numbers, as versions are.</summary>
    public static string Render(string title, string xLabel, IReadOnlyList<LineSeries> series)
    {
        var panels = Math.Max(series.Count, 1);
        var svg = new SvgWriter(Width, Top + panels * (PanelHeight + Gap) - Gap + Bottom);
        svg.Text(Width / 2, 26, title, "middle", 15, bold: true);
        var xs = series.SelectMany(s => s.Points).Select(p => p.X).ToList();
        for (var i = 0; i < panels; i++)
        {
            var plot = new PlotArea(Left, Top + i * (PanelHeight + Gap), Width - Left - Right, PanelHeight);
            var s = i < series.Count ? series[i] : new LineSeries("", []);
            var present = s.Points.Where(p => p.Y is { } y && double.IsFinite(y) && double.IsFinite(p.X)).OrderBy(p => p.X).ToList();
            var (x, y) = plot.Fit(xs, present.Select(p => p.Y!.Value));
            plot.Draw(svg, x, y, i == panels - 1 ? xLabel : null, null, xMinStep: 1);
            svg.Text(plot.Left, plot.Top - 8, s.Name, size: 12, bold: true);
            if (present.Count == 0) plot.NoData(svg);
            var color = ChartColors.Of(i);
            foreach (var run in Runs(s.Points))
                if (run.Count > 1) svg.Polyline(run.Select(p => (x.Map(p.X), y.Map(p.Y!.Value))), color, "series");
            foreach (var p in present) svg.Circle(x.Map(p.X), y.Map(p.Y!.Value), 3, color, "point", $"{s.Name} at {LinearScale.Label(p.X)}: {LinearScale.Label(p.Y!.Value)}");
        }
        return svg.ToString();
    }

    /// <summary>The stretches of consecutive present points, in x order, between missing ones.</summary>
    private static List<List<LinePoint>> Runs(IReadOnlyList<LinePoint> points)
    {
        var runs = new List<List<LinePoint>> { new() };
        foreach (var p in points.Where(p => double.IsFinite(p.X)).OrderBy(p => p.X))
        {
            if (p.Y is { } y && double.IsFinite(y)) runs[^1].Add(p);
            else if (runs[^1].Count > 0) runs.Add([]);
        }
        return runs;
    }
}

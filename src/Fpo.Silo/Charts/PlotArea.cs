namespace Fpo.Silo.Charts;

/// <summary>The rectangle data is drawn in, in pixels, with its axes, grid and tick labels around it.</summary>
internal sealed record PlotArea(double Left, double Top, double Width, double Height)
{
    public const string CssClass = "plot";
    private const string Grid = "#e6e6e6";
    private const string Ink = "#333333";

    public double Right => Left + Width;
    public double Bottom => Top + Height;

    /// <summary>Scales from data onto this area: x left to right, y bottom to top.</summary>
    public (LinearScale X, LinearScale Y) Fit(IEnumerable<double> xs, IEnumerable<double> ys) =>
        (LinearScale.Fit(xs, Left, Right), LinearScale.Fit(ys, Bottom, Top));

    public void Draw(SvgWriter svg, LinearScale x, LinearScale y, string? xLabel, string? yLabel, double xMinStep = 0)
    {
        svg.Rect(Left, Top, Width, Height, "#fbfbfb", Grid, CssClass);
        foreach (var t in x.Ticks(6, xMinStep))
        {
            var px = x.Map(t);
            svg.Line(px, Top, px, Bottom, Grid);
            svg.Text(px, Bottom + 14, LinearScale.Label(t), "middle");
        }
        foreach (var t in y.Ticks(4))
        {
            var py = y.Map(t);
            svg.Line(Left, py, Right, py, Grid);
            svg.Text(Left - 6, py + 4, LinearScale.Label(t), "end");
        }
        svg.Line(Left, Bottom, Right, Bottom, Ink);
        svg.Line(Left, Top, Left, Bottom, Ink);
        if (xLabel is not null) svg.Text(Left + Width / 2, Bottom + 32, xLabel, "middle", 12);
        if (yLabel is not null) svg.Text(Left - 46, Top + Height / 2, yLabel, "middle", 12, vertical: true);
    }

    public void NoData(SvgWriter svg) => svg.Text(Left + Width / 2, Top + Height / 2, "no data", "middle", 12);
}

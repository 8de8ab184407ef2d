using System.Globalization;
using System.Text;
using System.Xml;

namespace Fpo.Silo.Charts;

/// <summary>
/// Writes an SVG 1.1 document element by element: numbers in the invariant culture with two decimals at most, text
/// escaped (and characters XML cannot hold dropped), so any title or label gives a well-formed file.
/// </summary>
internal sealed class SvgWriter
{
    private readonly StringBuilder _svg = new();

    public SvgWriter(double width, double height)
    {
        _svg.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{N(width)}\" height=\"{N(height)}\" ")
            .Append($"viewBox=\"0 0 {N(width)} {N(height)}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        Rect(0, 0, width, height, "white");
    }

    public void Rect(double x, double y, double width, double height, string fill, string? stroke = null, string? cssClass = null) =>
        _svg.Append($"<rect{Class(cssClass)} x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{fill}\"")
            .Append(stroke is null ? "" : $" stroke=\"{stroke}\"").Append("/>\n");

    public void Line(double x1, double y1, double x2, double y2, string stroke) =>
        _svg.Append($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\"/>\n");

    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, string cssClass) =>
        _svg.Append($"<polyline{Class(cssClass)} points=\"{string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"))}\" ")
            .Append($"fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\"/>\n");

    /// <summary>A dot; <paramref name="tooltip"/> becomes its &lt;title&gt;, which viewers show on hover.</summary>
    public void Circle(double x, double y, double radius, string fill, string cssClass, string? tooltip = null)
    {
        _svg.Append($"<circle{Class(cssClass)} cx=\"{N(x)}\" cy=\"{N(y)}\" r=\"{N(radius)}\" fill=\"{fill}\"");
        _svg.Append(tooltip is null ? "/>\n" : $"><title>{Escape(tooltip)}</title></circle>\n");
    }

    /// <summary>Text at (x, y); <paramref name="anchor"/> is start, middle or end; <paramref name="vertical"/> turns it to read upwards.</summary>
    public void Text(double x, double y, string text, string anchor = "start", double size = 11, bool bold = false, bool vertical = false, string? cssClass = null) =>
        _svg.Append($"<text{Class(cssClass)} x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\" font-size=\"{N(size)}\"")
            .Append(bold ? " font-weight=\"bold\"" : "")
            .Append(vertical ? $" transform=\"rotate(-90 {N(x)} {N(y)})\"" : "")
            .Append($">{Escape(text)}</text>\n");

    public override string ToString() => _svg + "</svg>\n";

    public static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Class(string? cssClass) => cssClass is null ? "" : $" class=\"{cssClass}\"";

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                '"' => "&quot;",
                '\'' => "&apos;",
                _ when XmlConvert.IsXmlChar(c) || char.IsSurrogate(c) => c.ToString(),
                _ => "",
            });
        }
        return escaped.ToString();
    }
}

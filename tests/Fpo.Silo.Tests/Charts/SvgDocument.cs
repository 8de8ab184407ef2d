using System.Globalization;
using System.Xml.Linq;

namespace Fpo.Silo.Tests.Charts;

/// <summary>A rendered chart parsed back (which proves it well-formed) with helpers to read its shapes' coordinates.</summary>
internal sealed class SvgDocument
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public SvgDocument(string svg)
    {
        Assert.DoesNotContain("NaN", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", svg, StringComparison.Ordinal);
        Root = XDocument.Parse(svg).Root!;
        Assert.Equal(Svg + "svg", Root.Name);
        Assert.Equal("1.1", (string?)Root.Attribute("version"));
    }

    public XElement Root { get; }

    public IEnumerable<XElement> All(string element, string? cssClass = null) =>
        Root.Descendants(Svg + element).Where(e => cssClass is null || (string?)e.Attribute("class") == cssClass);

    public IReadOnlyList<string> Texts => [.. All("text").Select(t => t.Value)];

    public static double Number(XElement e, string attribute) =>
        double.Parse((string)e.Attribute(attribute)!, NumberStyles.Float, CultureInfo.InvariantCulture);

    public static (double X, double Y) Center(XElement circle) => (Number(circle, "cx"), Number(circle, "cy"));

    public static (double Left, double Top, double Right, double Bottom) Box(XElement rect)
    {
        double x = Number(rect, "x"), y = Number(rect, "y");
        return (x, y, x + Number(rect, "width"), y + Number(rect, "height"));
    }

    public static List<(double X, double Y)> Points(XElement polyline) =>
        [.. ((string)polyline.Attribute("points")!).Split(' ').Select(pair =>
        {
            var xy = pair.Split(',');
            Assert.Equal(2, xy.Length);
            return (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture));
        })];
}

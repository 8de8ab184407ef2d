using System.Globalization;
using System.Text.RegularExpressions;

namespace Fpo.Silo.Tests.SiloApi;

/// <summary>A strict reader of the Prometheus text exposition format 0.0.4: every line a HELP or TYPE comment or a sample, the text ending in a newline.</summary>
internal static partial class PrometheusSamples
{
    public static List<(string Name, string Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                Assert.Matches(CommentLine(), line);
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: '{line}'");
            var value = m.Groups["value"].Value;
            samples.Add((m.Groups["name"].Value, m.Groups["labels"].Value,
                value switch { "NaN" => double.NaN, "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, _ => double.Parse(value, CultureInfo.InvariantCulture) }));
        }
        Assert.EndsWith("\n", text);
        return samples;
    }

    [GeneratedRegex(@"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (gauge|counter|histogram|summary|untyped))$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\.)*"",?)*\})? (?<value>NaN|[+-]Inf|-?[0-9.]+([eE][+-]?[0-9]+)?)$")]
    private static partial Regex SampleLine();
}

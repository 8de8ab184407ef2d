using System.Globalization;
using System.Text;

namespace Fpo.Silo.SiloApi;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): per metric a HELP and a TYPE line, then one sample
/// line per label set. Label values are escaped (backslash, quote, newline); NaN and infinities use Prometheus'
/// spellings; a null value writes no sample.
/// </summary>
public sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _described = new(StringComparer.Ordinal);

    public PrometheusText Gauge(string name, string help, double? value, params (string Name, string Value)[] labels) => Sample(name, "gauge", help, value, labels);

    public PrometheusText Counter(string name, string help, double? value, params (string Name, string Value)[] labels) => Sample(name, "counter", help, value, labels);

    /// <summary>One stream's records per state as fpo_stream_records{stream,state}: the queue depths every silo exports and the autoscalers read.</summary>
    public PrometheusText StreamRecords(string stream, long pending, long leased, long acknowledged, long dead)
    {
        foreach (var (state, n) in new[] { ("pending", pending), ("leased", leased), ("acknowledged", acknowledged), ("dead", dead) })
            Gauge("fpo_stream_records", "Records per stream and state; pending + leased is the queue depth.", n, ("stream", stream), ("state", state));
        return this;
    }

    public override string ToString() => _text.ToString();

    private PrometheusText Sample(string name, string type, string help, double? value, (string Name, string Value)[] labels)
    {
        if (_described.Add(name))
        {
            _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
            _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        }
        if (value is not { } v) return this;
        _text.Append(name);
        if (labels.Length > 0)
            _text.Append('{').AppendJoin(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")).Append('}');
        _text.Append(' ').Append(Number(v)).Append('\n');
        return this;
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Number(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf"
        : v.ToString("R", CultureInfo.InvariantCulture);
}

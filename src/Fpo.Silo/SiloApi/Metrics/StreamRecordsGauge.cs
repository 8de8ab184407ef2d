using System.Diagnostics.Metrics;

namespace Fpo.Silo.SiloApi.Metrics;

/// <summary>
/// fpo_stream_records{stream,state}: records per stream and state, the queue depths every silo exports and the
/// autoscalers read (pending + leased is a stream's depth).
/// </summary>
public static class StreamRecordsGauge
{
    public static ObservableGauge<long> Create(Meter meter, Func<IEnumerable<(string Stream, QueueDepth Depth)>> read)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return meter.CreateObservableGauge("fpo.stream.records", () => read().SelectMany(s => new[]
        {
            Sample(s.Stream, "pending", s.Depth.Pending),
            Sample(s.Stream, "leased", s.Depth.Leased),
            Sample(s.Stream, "acknowledged", s.Depth.Acknowledged),
            Sample(s.Stream, "dead", s.Depth.Dead),
        }), description: "Records per stream and state; pending + leased is the queue depth.");
    }

    private static Measurement<long> Sample(string stream, string state, long records) =>
        new(records, new KeyValuePair<string, object?>("stream", stream), new KeyValuePair<string, object?>("state", state));
}

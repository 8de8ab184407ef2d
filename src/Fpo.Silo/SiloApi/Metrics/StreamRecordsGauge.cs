using System.Diagnostics.Metrics;

namespace Fpo.Silo.SiloApi.Metrics;

/// <summary>
/// fpo_stream_records{stream,state="pending"}: batches waiting per stream namespace of the data path, the queue depths
/// every silo exports and the autoscalers read. The state label stays so that dashboards and the adapter rule keep
/// their queries.
/// </summary>
public static class StreamRecordsGauge
{
    public static ObservableGauge<long> Create(Meter meter, Func<IEnumerable<(string Stream, QueueDepth Depth)>> read)
    {
        ArgumentNullException.ThrowIfNull(meter);
        return meter.CreateObservableGauge("fpo.stream.records", () => read().SelectMany(s => new[]
        {
            Sample(s.Stream, "pending", s.Depth.Pending),
        }), description: "Batches waiting per stream namespace of the data path.");
    }

    private static Measurement<long> Sample(string stream, string state, long records) =>
        new(records, new KeyValuePair<string, object?>("stream", stream), new KeyValuePair<string, object?>("state", state));
}

namespace Fpo.Grains.Embedded;

/// <summary>
/// Where every record of a stream's log is, read without opening the stream (no codec, nothing rewritten but a torn
/// last line): how <c>fpo lineage verify --run-folder</c> sees a stream the process never used.
/// </summary>
internal static class StreamLogStates
{
    /// <summary>The state of each record of streams/<paramref name="name"/>.jsonl, or null when the stream has no log.</summary>
    public static Dictionary<string, StreamState>? Read(string path, string name, ICollection<string> warnings)
    {
        if (!File.Exists(path)) return null;
        var states = new Dictionary<string, StreamState>(StringComparer.Ordinal);
        foreach (var (_, e) in JsonlLog.Read<StreamEvent>(path, $"streams/{name}.jsonl", warnings))
        {
            if (string.IsNullOrEmpty(e.Id)) continue;
            var state = e.Op switch
            {
                StreamEvent.Publish => StreamState.Pending,
                StreamEvent.Lease => StreamState.Leased,
                StreamEvent.Fail => StreamState.Pending,
                StreamEvent.Ack => StreamState.Acknowledged,
                StreamEvent.Dead => StreamState.Dead,
                _ => (StreamState?)null,
            };
            if (state is { } s && (e.Op == StreamEvent.Publish ? !states.ContainsKey(e.Id) : states.ContainsKey(e.Id))) states[e.Id] = s;
        }
        return states;
    }
}

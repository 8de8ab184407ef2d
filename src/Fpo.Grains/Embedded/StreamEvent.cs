namespace Fpo.Grains.Embedded;

/// <summary>
/// One line of a stream's log: "publish" (with the encoded value), "lease" (one more delivery), "ack", "fail" (back to
/// pending, with the error) or "dead" (dead-lettered, with the error and when). Lease expiries are not logged: a
/// replayed lease that was never acknowledged becomes pending again anyway.
/// </summary>
internal sealed record StreamEvent(string Op, string Id, string? Value = null, string? Error = null, DateTimeOffset? At = null)
{
    public const string Publish = "publish";
    public const string Lease = "lease";
    public const string Ack = "ack";
    public const string Fail = "fail";
    public const string Dead = "dead";
}

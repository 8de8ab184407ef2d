namespace Fpo.Grains.Backbone;

/// <summary>Records per state in a stream: pending (deliverable now), leased, acknowledged, dead-lettered.</summary>
public sealed record StreamCounts(long Pending, long Leased, long Acknowledged, long Dead)
{
    public long Published => Pending + Leased + Acknowledged + Dead;
}

using Orleans.Configuration;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Failure detection for a small cluster. Orleans' defaults suit hundreds of silos; on a 2-core machine a SIGKILLed
/// silo was declared dead after about 14 s with them and after 1 to 2 s with these. The price is chattier silos (a
/// probe per watched silo per second, a table read every 2 s, a heartbeat row update every 2 s), which a few silos
/// and one database do not feel. Names and meanings are Orleans' <see cref="ClusterMembershipOptions"/>.
/// </summary>
public sealed record PostgresMembershipOptions
{
    /// <summary>How long a silo waits for a probe's answer, and how often it probes.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes in a row after which a silo votes that the probed silo is dead.</summary>
    public int NumMissedProbesLimit { get; init; } = 2;

    /// <summary>Votes that declare a silo dead; one, since a small cluster may have only one survivor to vote.</summary>
    public int NumVotesForDeathDeclaration { get; init; } = 1;

    /// <summary>How often each silo reads the whole membership table even when no change was gossiped to it.</summary>
    public TimeSpan TableRefreshTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often each silo writes its heartbeat (IAmAliveTime). A silo whose heartbeat is older than
    /// <see cref="NumMissedTableIAmAliveLimit"/> of these is stale. A silo that starts after every silo died cannot
    /// join while dead silos still count as active: only once they are stale does it probe them and declare them dead.
    /// With Orleans' 30 s heartbeats that start took 68 s; with these, 5 to 7 s.
    /// </summary>
    public TimeSpan IAmAliveTablePublishTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public int NumMissedTableIAmAliveLimit { get; init; } = 2;

    internal void ApplyTo(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration;
        options.TableRefreshTimeout = TableRefreshTimeout;
        options.IAmAliveTablePublishTimeout = IAmAliveTablePublishTimeout;
        options.NumMissedTableIAmAliveLimit = NumMissedTableIAmAliveLimit;
    }
}

namespace Fpo.Grains.Tests.Orleans.Postgres;

/// <summary>
/// The Orleans-on-PostgreSQL tests run one after another: each starts silos, and the failure-detection timings they
/// measure mean little when other clusters compete for the two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OrleansPostgresCollection
{
    public const string Name = "Orleans on PostgreSQL";
}

namespace Fpo.Silo.Cli.Silo;

/// <summary>Which backbone a silo joins: <paramref name="Kind"/> postgres (by <paramref name="Connection"/>) or embedded (the run folder <paramref name="RunsFolder"/>/RUN), and the run.</summary>
public sealed record SiloStoreOptions(string Kind, string RunId, string? Connection, string RunsFolder)
{
    public const string Postgres = "postgres", Embedded = "embedded";
}

using Fpo.Grains.Blob;

namespace Fpo.Silo.Cli.Silo;

/// <summary>
/// Where a silo's runs keep their stores: <paramref name="Kind"/> postgres (by <paramref name="Connection"/>) or
/// embedded (the run folders <paramref name="RunsFolder"/>/RUN), and the runs it hosts — one cluster can host several
/// runs side by side (e.g. an FPO and a DPO run of one task), each with its own stores and grains keyed by its id.
/// With <paramref name="Blobs"/> a postgres run keeps its snapshot bytes in blob storage.
/// </summary>
public sealed record SiloStoreOptions(string Kind, IReadOnlyList<string> RunIds, string? Connection, string RunsFolder, BlobSnapshotOptions? Blobs = null)
{
    public const string Postgres = "postgres", Embedded = "embedded";

    /// <summary>
    /// The folder of the Orleans providers of an embedded silo (queues, grain state): the run folder when it hosts one
    /// run, RUNS/.silo when it hosts several (no run id starts with '.').
    /// </summary>
    public string EmbeddedProvidersFolder => RunIds.Count == 1 ? Path.Combine(RunsFolder, RunIds[0]) : Path.Combine(RunsFolder, ".silo");
}

using System.Text.RegularExpressions;

namespace Fpo.Grains.Blob;

/// <summary>
/// Where a cluster keeps its snapshots' bytes when they go to Azure Blob storage (an account, or Azurite): the
/// connection string (from the environment or a Kubernetes Secret, never from a file in the repo), the container many
/// runs share (each run under its own prefix), how often a full snapshot is written between deltas, and the transfer
/// parallelism. The descriptions, lineage and compare-and-set stay in PostgreSQL.
/// </summary>
public sealed partial record BlobSnapshotOptions
{
    public const string DefaultContainer = "fpo-snapshots";

    /// <summary>An Azure Storage connection string, e.g. "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;EndpointSuffix=core.windows.net".</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The container: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public string Container { get; init; } = DefaultContainer;

    /// <summary>
    /// Every version divisible by this is stored in full; the others as a delta against the previous version when the
    /// publisher still holds it (1: every snapshot in full).
    /// </summary>
    public int FullEvery { get; init; } = 10;

    /// <summary>Parallel requests per blob transfer.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Bytes per transfer request of a blob larger than <see cref="SingleRequestBytes"/> (a block on upload, a range on download).</summary>
    public int TransferBytes { get; init; } = 8 << 20;

    /// <summary>A blob up to this size moves in one request; a larger one in parallel requests of <see cref="TransferBytes"/>.</summary>
    public int SingleRequestBytes { get; init; } = 256 << 20;

    public BlobSnapshotOptions Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ConnectionString);
        try
        {
            _ = new Azure.Storage.Blobs.BlobServiceClient(ConnectionString);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"not a usable Azure Storage connection string ({e.Message})", e);
        }
        if (!ContainerName().IsMatch(Container))
            throw new ArgumentException($"blob container '{Container}' is not a valid name: use 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit");
        if (FullEvery is < 1 or > 1000) throw new ArgumentException($"full snapshot every {FullEvery} versions: use 1 to 1000");
        if (Concurrency is < 1 or > 64) throw new ArgumentException($"transfer concurrency {Concurrency}: use 1 to 64");
        if (TransferBytes is < 1 << 20 or > 256 << 20) throw new ArgumentException($"transfer size {TransferBytes} bytes: use 1 MiB to 256 MiB");
        if (SingleRequestBytes is < 0 or > 1 << 30) throw new ArgumentException($"single-request size {SingleRequestBytes} bytes: use 0 to 1 GiB");
        return this;
    }

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerName();
}

using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Fpo.Grains.Stores;

namespace Fpo.Grains.Blob;

/// <summary>
/// The blobs of one run's snapshots: written once (a conditional create that refuses a blob of the same name), read
/// whole with their length and SHA-256 checked, deleted by the retention policy. Transfers are split into parallel
/// requests; the client pins a service version the Azurite emulator also speaks, and retries transient failures
/// (a restarting emulator or account) with exponential backoff. Names are "RUN/VERSION-HASH/FILE", HASH the start of
/// the snapshot's SHA-256, so two writers of one version (a zombie trainer and the elected one) share a blob only when
/// they publish the same bytes.
/// </summary>
internal sealed class BlobSnapshotFiles
{
    private const string HashKey = "sha256";

    private readonly BlobContainerClient _container;
    private readonly StorageTransferOptions _transfer;
    private readonly string _run;
    private volatile bool _exists;

    public BlobSnapshotFiles(BlobSnapshotOptions options, string run)
    {
        options.Validate();
        var client = new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06);
        client.Retry.Mode = RetryMode.Exponential;
        client.Retry.MaxRetries = 6;
        client.Retry.Delay = TimeSpan.FromMilliseconds(250);
        client.Retry.MaxDelay = TimeSpan.FromSeconds(8);
        client.Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        _container = new BlobServiceClient(options.ConnectionString, client).GetBlobContainerClient(options.Container);
        // A blob up to SingleRequestBytes goes in one request (one Put Blob, one Get Blob): Azurite copies staged
        // blocks again when they are committed, so in `fpo bench cluster` the GPT-2-small delta's publish fell from
        // 3.41 s in 8 MiB blocks to 1.87 s in one request. Larger blobs go in parallel blocks and ranges of TransferBytes.
        _transfer = new StorageTransferOptions
        {
            MaximumConcurrency = options.Concurrency,
            InitialTransferSize = Math.Max(options.SingleRequestBytes, options.TransferBytes),
            MaximumTransferSize = options.TransferBytes,
        };
        _run = run;
        Options = options;
    }

    public BlobSnapshotOptions Options { get; }

    /// <summary>The container's name, for messages.</summary>
    public string Container => _container.Name;

    /// <summary>The blob name of <paramref name="file"/> of version <paramref name="version"/> with content hash <paramref name="sha256"/>.</summary>
    public string NameOf(long version, string sha256, string file) => $"{_run}/{version:D10}-{sha256[..16]}/{file}";

    /// <summary>
    /// Writes <paramref name="bytes"/> as blob <paramref name="name"/> unless a blob of that name exists. An existing
    /// blob with the same SHA-256 is an earlier attempt of this very write (its reply lost) and counts as written;
    /// one with other bytes throws <see cref="SnapshotConflictException"/>. Blocks are committed in one request at the
    /// end, so a failed upload leaves no blob behind.
    /// </summary>
    public async Task PutOnceAsync(string name, byte[] bytes, string sha256, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        var blob = _container.GetBlobClient(name);
        var upload = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            Metadata = new Dictionary<string, string> { [HashKey] = sha256 },
            TransferOptions = _transfer,
        };
        try
        {
            try
            {
                await blob.UploadAsync(BinaryData.FromBytes(bytes), upload, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
            {
                // The container went away under us (deleted, or an emulator that lost its index): make it again, once.
                _exists = false;
                await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
                await blob.UploadAsync(BinaryData.FromBytes(bytes), upload, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            var held = await StoredHashAsync(blob, cancellationToken).ConfigureAwait(false);
            if (held != sha256)
                throw new SnapshotConflictException(
                    $"blob {Container}/{name} already holds other bytes (SHA-256 {held ?? "unknown"}, not {sha256}); snapshot blobs are written once");
        }
    }

    /// <summary>
    /// Blob <paramref name="name"/>, which must be <paramref name="length"/> bytes with SHA-256 <paramref name="sha256"/>:
    /// a missing, truncated, overlong or altered blob throws <see cref="InvalidDataException"/> saying which.
    /// <paramref name="what"/> names the snapshot file in messages.
    /// </summary>
    public async Task<byte[]> GetAsync(string name, long length, string sha256, string what, CancellationToken cancellationToken)
    {
        if (length > Array.MaxLength) throw new InvalidDataException($"{what}: blob {Container}/{name} has {length} bytes, more than one array holds");
        var buffer = new byte[length];
        using var stream = new MemoryStream(buffer, 0, buffer.Length, writable: true, publiclyVisible: true);
        try
        {
            await _container.GetBlobClient(name).DownloadToAsync(stream, new BlobDownloadToOptions { TransferOptions = _transfer }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new InvalidDataException($"{what}: blob {Container}/{name} is missing; the snapshot is damaged", e);
        }
        catch (NotSupportedException e)
        {
            // The fixed-size stream cannot grow: the blob is longer than the snapshot's description says.
            throw new InvalidDataException($"{what}: blob {Container}/{name} holds more than the {length} bytes published; the snapshot is damaged", e);
        }
        if (stream.Position != length)
            throw new InvalidDataException($"{what}: blob {Container}/{name} holds {stream.Position} of the {length} bytes published (truncated); the snapshot is damaged");
        var held = Convert.ToHexStringLower(SHA256.HashData(buffer));
        if (held != sha256)
            throw new InvalidDataException($"{what}: blob {Container}/{name} has SHA-256 {held}, but {sha256} was published; the snapshot is damaged or was altered");
        return buffer;
    }

    /// <summary>Deletes the named blobs (those already gone count as deleted).</summary>
    public async Task DeleteAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        foreach (var name in names)
            await _container.GetBlobClient(name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every blob name of this run (published or left by a writer that lost the compare-and-set).</summary>
    public async Task<List<string>> ListAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = _run + "/" }, cancellationToken).ConfigureAwait(false))
            names.Add(item.Name);
        return names;
    }

    /// <summary>The version a blob name of this run belongs to, or null for a name this store did not write.</summary>
    public long? VersionOf(string name)
    {
        var rest = name.AsSpan(_run.Length + 1);
        var dash = rest.IndexOf('-');
        return dash > 0 && long.TryParse(rest[..dash], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>One line for a failed request: the service's status and code, or the innermost cause of a spent retry.</summary>
    public static string Reason(Exception e) => e switch
    {
        RequestFailedException r when r.Status != 0 => $"HTTP {r.Status} {r.ErrorCode}",
        AggregateException a when a.InnerExceptions.Count > 0 => $"{a.InnerExceptions.Count} attempts, the last: {Innermost(a.InnerExceptions[^1]).Message}",
        _ => Innermost(e).Message,
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static async Task<string?> StoredHashAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return properties.Value.Metadata.TryGetValue(HashKey, out var held) ? held : null;
    }

    // Creating the container is idempotent, so callers racing here do no harm.
    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_exists) return;
        await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _exists = true;
    }
}

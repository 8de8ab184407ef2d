#:project ../src/Fpo.Grains/Fpo.Grains.csproj
#:property PublishAot=false
// The PostgreSQL backbone's snapshot store at GPT-2-small's size (124,439,808 float32 parameters = 498 MB in one
// file), on a throwaway local server (LocalPostgresServer: fsync off, so this is the protocol and the server's write
// path, not a disk): seconds to publish (SHA-256 + chunked insert in one transaction) and to read back (chunks copied
// straight into the file's array + SHA-256 check); the working set's growth while publishing and the bytes allocated
// while reading show how many copies of the snapshot each holds.
// usage: dotnet run -c Release bench/postgres_snapshot.cs -- [MEGABYTES]   (default: 498)
using System.Diagnostics;
using System.Globalization;
using Fpo.Grains.Stores;
using Fpo.Grains.Postgres;

var megabytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 498;
await using var server = await LocalPostgresServer.CreateAsync(CancellationToken.None);
await using var stores = await PostgresRunStores.OpenAsync(new PostgresStoreOptions { ConnectionString = server.ConnectionString, RunId = "bench" }, CancellationToken.None);
var (publish, baseline, peakPublishing) = await PublishAsync(stores, megabytes);
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var watch = Stopwatch.StartNew();
var content = await stores.Snapshots.GetAsync(0, CancellationToken.None);
var get = watch.Elapsed.TotalSeconds;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
var bytes = content.Info.Bytes;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"snapshot {bytes / 1e6:0} MB: publish {publish:0.00} s ({bytes / 1e6 / publish:0} MB/s), get {get:0.00} s ({bytes / 1e6 / get:0} MB/s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"publishing: working set {baseline / 1e6:0} MB with the snapshot in memory, peak {peakPublishing / 1e6:0} MB (+{(peakPublishing - baseline) / 1e6:0} MB)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"reading: {allocated / 1e6:0} MB allocated ({allocated / (double)bytes:0.00}x the snapshot)"));

// In its own method, so the published array is garbage once it returns and the read is measured alone.
static async Task<(double Seconds, long Baseline, long Peak)> PublishAsync(PostgresRunStores stores, int megabytes)
{
    var model = new byte[megabytes * 1_000_000L];
    new Random(1).NextBytes(model);
    var baseline = Process.GetCurrentProcess().WorkingSet64;
    var watch = Stopwatch.StartNew();
    await stores.Snapshots.PublishAsync(new SnapshotPublication(0, new Dictionary<string, byte[]> { ["model.safetensors"] = model }, [], 0), CancellationToken.None);
    return (watch.Elapsed.TotalSeconds, baseline, Process.GetCurrentProcess().PeakWorkingSet64);
}

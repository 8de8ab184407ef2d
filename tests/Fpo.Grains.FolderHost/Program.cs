using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Fpo.Grains.FolderHost;
using Fpo.Grains.Orleans.Folder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

// A silo on a folder, for the kill -9 test: produces the events 0..total-1 that produced.log does not list yet, to
// four "kill" streams, at most 50 ahead of the consumer grain (when 50 are pending it waits until 25 are), which
// writes what it processed to processed.log; prints
// "produced N" after each produce call returned, "all processed" once every event was processed at least once (in this run or an earlier one
// on the folder), then stops.
if (args.Length != 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var total))
{
    await Console.Error.WriteLineAsync("usage: Fpo.Grains.FolderHost <folder> <number of events>");
    return 2;
}
var folder = args[0];
var producedPath = Path.Combine(folder, "produced.log");
using var processed = new ProcessedLog(Path.Combine(folder, "processed.log"), total);

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(processed);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering(FreePort(), FreePort())
    .AddFolderStreams(Program.Provider, Path.Combine(folder, "streams")));
using var host = builder.Build();
await host.StartAsync();

var streams = host.Services.GetRequiredService<IClusterClient>().GetStreamProvider(Program.Provider);
var queues = host.Services.GetRequiredKeyedService<FolderStreamQueues>(Program.Provider);
var start = File.Exists(producedPath) ? File.ReadLines(producedPath).Count(l => l.Length > 0) : 0;
await using (var produced = new StreamWriter(new FileStream(producedPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { NewLine = "\n" })
{
    for (var number = start; number < total; number++)
    {
        if (queues.Pending(Program.Namespace) >= 50) await queues.WaitForPendingAsync(Program.Namespace, 25);
        var stream = streams.GetStream<KillEvent>(StreamId.Create(Program.Namespace, $"s{number % 4}"));
        await stream.OnNextAsync(new KillEvent(number));
        await produced.WriteLineAsync(number.ToString(CultureInfo.InvariantCulture));
        await produced.FlushAsync();
        Console.WriteLine($"produced {number}");
    }
}
await processed.Complete.WaitAsync(TimeSpan.FromSeconds(60));
Console.WriteLine("all processed");
await host.StopAsync();
return 0;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

internal partial class Program
{
    public const string Provider = "folder";
    public const string Namespace = "kill";
}

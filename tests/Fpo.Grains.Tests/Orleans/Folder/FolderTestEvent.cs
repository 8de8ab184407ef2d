using System.Diagnostics;
using Orleans;

namespace Fpo.Grains.Tests.Orleans.Folder;

/// <summary>A stream event of the folder provider tests; <see cref="ProducedAt"/> is a Stopwatch timestamp, for latency.</summary>
[GenerateSerializer, Alias("fpo.tests.folder-event")]
public sealed record FolderTestEvent([property: Id(0)] int Number, [property: Id(1)] long ProducedAt, [property: Id(2)] string Padding)
{
    public static FolderTestEvent Now(int number, string padding = "") => new(number, Stopwatch.GetTimestamp(), padding);
}

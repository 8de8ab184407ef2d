using Orleans;

namespace Fpo.Grains.FolderHost;

/// <summary>The event the host produces: its number is its identity across the runs of one folder.</summary>
[GenerateSerializer, Alias("fpo.folder-host.kill-event")]
public sealed record KillEvent([property: Id(0)] int Number);

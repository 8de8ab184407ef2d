using Orleans;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>What a queue record's payload holds: the events of one produce call and the producer's request context.</summary>
[GenerateSerializer, Alias("fpo.folder-streams.message")]
internal sealed class FolderStreamMessage(List<object?> events, Dictionary<string, object>? requestContext)
{
    [Id(0)] public List<object?> Events { get; } = events;

    [Id(1)] public Dictionary<string, object>? RequestContext { get; } = requestContext;
}

using Orleans;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>One queue record as Orleans' pulling agent carries it to the consumers; its token's sequence number is the record's.</summary>
[GenerateSerializer, Alias("fpo.folder-streams.batch")]
internal sealed class FolderBatchContainer(StreamId streamId, EventSequenceTokenV2 token, FolderStreamMessage message) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] public EventSequenceTokenV2 Token { get; } = token;

    [Id(2)] public FolderStreamMessage Message { get; } = message;

    public StreamSequenceToken SequenceToken => Token;

    /// <summary>The events of type <typeparamref name="T"/>; each keeps the token of its place in the record.</summary>
    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Message.Events
            .Select((e, i) => (Event: e, Index: i))
            .Where(e => e.Event is T)
            .Select(e => Tuple.Create((T)e.Event!, (StreamSequenceToken)Token.CreateSequenceTokenForEvent(e.Index)));

    public bool ImportRequestContext()
    {
        if (Message.RequestContext is null) return false;
        RequestContextExtensions.Import(Message.RequestContext);
        return true;
    }
}

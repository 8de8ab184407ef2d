using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Streams;

namespace Fpo.Grains.Orleans.Postgres;

/// <summary>
/// Reads the stream id out of a stored message. The ADO.NET provider stores each batch as its own (internal) batch
/// container serialized by Orleans, and records no stream column, so the container is deserialized here by its type
/// name; this needs the event types the producers wrote.
/// </summary>
internal sealed class StreamPayloads
{
    private const string ContainerTypeName = "Orleans.Streaming.AdoNet.AdoNetBatchContainer";

    private readonly ObjectSerializer _serializer;
    private readonly Type _containerType;

    public StreamPayloads(ObjectSerializer serializer)
    {
        _serializer = serializer;
        var provider = typeof(AdoNetStreamOptions).Assembly;
        _containerType = provider.GetType(ContainerTypeName) ?? throw new InvalidOperationException(
            $"{provider.GetName()} has no {ContainerTypeName}: the stored message format changed, so stream messages cannot be told apart until StreamPayloads follows it");
    }

    /// <summary>The message's stream, or null when the payload is not a batch this process can read.</summary>
    public StreamId? TryRead(byte[] payload)
    {
        try
        {
            return (_serializer.Deserialize(payload, _containerType) as IBatchContainer)?.StreamId;
        }
        catch (Exception)
        {
            // Any failure to decode (an unknown event type, a damaged or foreign payload) means unreadable, not a
            // broken report.
            return null;
        }
    }
}

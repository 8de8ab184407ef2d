namespace Fpo.Grains.Embedded;

/// <summary>
/// A stream that can acknowledge records by id whoever holds their leases: how a snapshot publish marks its preferences
/// consumed (<see cref="Backbone.SnapshotPublication.ConsumedStream"/>) without the trainer's lease tokens.
/// </summary>
internal interface IAcknowledgeById
{
    /// <summary>Acknowledges every record of <paramref name="ids"/> that is pending, leased or dead; returns those it changed.</summary>
    IReadOnlyList<string> AcknowledgeIds(IEnumerable<string> ids);

    /// <summary>Where every record is now (expired leases count as pending).</summary>
    Dictionary<string, StreamState> States();
}

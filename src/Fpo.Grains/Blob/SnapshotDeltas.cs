namespace Fpo.Grains.Blob;

/// <summary>
/// When a snapshot file goes to blob storage as a delta against the same file of the previous version, and how a
/// reader turns it back. Until the weight codec lands every file is stored whole.
/// </summary>
internal static class SnapshotDeltas
{
    /// <summary>Appended to a delta blob's name, so a full copy and a delta of one file never share a name.</summary>
    public const string Suffix = ".delta";

    /// <summary>The delta turning <paramref name="before"/> into <paramref name="after"/>, or null when the file should be stored whole.</summary>
    public static byte[]? TryEncode(byte[] before, byte[] after) => null;

    /// <summary>The file <paramref name="delta"/> turns <paramref name="before"/> into; a delta that does not fit throws <see cref="InvalidDataException"/> naming <paramref name="what"/>.</summary>
    public static byte[] Apply(byte[] before, byte[] delta, string what) =>
        throw new InvalidDataException($"{what}: stored as a delta, which this build cannot read");
}

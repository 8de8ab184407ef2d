using Fpo.Grains.Stores.Sync;
using Fpo.Models.Checkpoints;

namespace Fpo.Grains.Blob;

/// <summary>
/// When a snapshot file goes to blob storage as a <see cref="WeightDelta"/> against the same file of the previous
/// version, and how a reader turns it back. Only safetensors files of equal length whose tensors share one element
/// width are encoded (the run's assets in snapshot 0 never are), and only when the delta is at most
/// <see cref="MaxShare"/> of the file: past that, the reader's decoding would cost more than the bytes saved.
/// </summary>
internal static class SnapshotDeltas
{
    /// <summary>Appended to a delta blob's name, so a full copy and a delta of one file never share a name.</summary>
    public const string Suffix = ".delta";

    public const double MaxShare = 0.75;

    /// <summary>The delta turning <paramref name="before"/> into <paramref name="after"/>, or null when <paramref name="name"/> should be stored whole.</summary>
    public static byte[]? TryEncode(string name, byte[] before, byte[] after)
    {
        if (!name.EndsWith(".safetensors", StringComparison.Ordinal) || before.Length != after.Length || ElementBytes(name, after) is not { } width) return null;
        var delta = WeightDelta.Encode(before, after, width);
        return delta.LongLength <= MaxShare * after.LongLength ? delta : null;
    }

    /// <summary>The file <paramref name="delta"/> turns <paramref name="before"/> into; a delta that does not fit throws <see cref="InvalidDataException"/> naming <paramref name="what"/>.</summary>
    public static byte[] Apply(byte[] before, byte[] delta, string what)
    {
        try
        {
            return WeightDelta.Apply(before, delta);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{what}: its delta does not apply ({e.Message}); the snapshot is damaged", e);
        }
    }

    // The one element width of the file's tensors, so byte planes line up with them; null for mixed or unreadable files.
    private static int? ElementBytes(string name, byte[] file)
    {
        try
        {
            using var parsed = SafetensorsFile.Parse(name, file);
            var widths = parsed.Tensors.Values.Select(t => t.DType.ByteSize()).Distinct().ToList();
            return widths is [var width] ? width : null;
        }
        catch (SafetensorsFormatException)
        {
            return null;
        }
    }
}

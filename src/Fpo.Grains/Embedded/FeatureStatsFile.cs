using System.Globalization;
using System.Text;
using Fpo.Grains.Stores;
using Fpo.Sae.Statistics;

namespace Fpo.Grains.Embedded;

/// <summary>
/// One key's merged feature statistics with the delta ids applied to them, in one file so both change together:
/// <code>"FPOFSKEY" | i32 ids | ids × (7-bit-length-prefixed UTF-8 id) | FeatureStatisticsFormat bytes</code>
/// Named v{version:D6}-{policy|reference}.fstats under features/.
/// </summary>
internal static class FeatureStatsFile
{
    private const string Extension = ".fstats";
    private static readonly byte[] Magic = "FPOFSKEY"u8.ToArray();

    public static string NameOf(FeatureStatsKey key) => $"v{key.SnapshotVersion:D6}-{key.Side.ToString().ToLowerInvariant()}{Extension}";

    /// <summary>The key a file name stands for, or null for a name this store did not write.</summary>
    public static FeatureStatsKey? KeyOf(string fileName)
    {
        if (!fileName.EndsWith(Extension, StringComparison.Ordinal) || fileName.Length < 2 || fileName[0] != 'v') return null;
        var stem = fileName[1..^Extension.Length];
        var dash = stem.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0 || !long.TryParse(stem.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return null;
        return stem[(dash + 1)..] switch
        {
            "policy" => new FeatureStatsKey(version, FeatureSide.Policy),
            "reference" => new FeatureStatsKey(version, FeatureSide.Reference),
            _ => null,
        };
    }

    /// <summary>Writes to a temporary file and renames it over the old one, so a crash leaves the old or the new state.</summary>
    public static void Write(string path, IReadOnlyCollection<string> deltaIds, FeatureStatistics stats)
    {
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        using (var w = new BinaryWriter(file, Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(deltaIds.Count);
            foreach (var id in deltaIds) w.Write(id);
            w.Write(FeatureStatisticsFormat.Serialize(stats));
        }
        File.Move(temp, path, overwrite: true);
    }

    public static (List<string> DeltaIds, FeatureStatistics Stats) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        try
        {
            if (bytes.Length < Magic.Length || !r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"{path}: does not start with \"FPOFSKEY\"; not a feature statistics file");
            var count = r.ReadInt32();
            if (count < 0 || count > bytes.Length) throw new InvalidDataException($"{path}: {count} delta ids is out of range");
            var ids = new List<string>(count);
            for (var i = 0; i < count; i++) ids.Add(r.ReadString());
            var at = (int)r.BaseStream.Position;
            return (ids, FeatureStatisticsFormat.Deserialize(bytes.AsSpan(at), path));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: the delta id list is truncated");
        }
    }
}

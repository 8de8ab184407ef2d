using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Fpo.Grains.Stores;

/// <summary>A snapshot's description and its verified files.</summary>
public sealed record SnapshotContent(SnapshotInfo Info, IReadOnlyDictionary<string, byte[]> Files)
{
    /// <summary>The content hash every snapshot store keeps and checks, so snapshots compare across stores.</summary>
    public static string ComputeSha256(IReadOnlyDictionary<string, byte[]> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (var name in files.Keys.Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData([0]);
            BinaryPrimitives.WriteInt64LittleEndian(length, files[name].LongLength);
            hash.AppendData(length);
            hash.AppendData(files[name]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

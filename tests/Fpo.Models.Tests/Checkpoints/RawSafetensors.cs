using System.Buffers.Binary;
using System.Text;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>Builds safetensors bytes by hand, so tests can write files our writer would never produce.</summary>
internal static class RawSafetensors
{
    /// <summary>u64 length prefix (the header's true length unless overridden), the header bytes, then the data.</summary>
    public static byte[] Build(byte[] header, byte[] data, ulong? claimedHeaderLength = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>A header from JSON text padded with spaces to 8 bytes, followed by <paramref name="dataLength"/> bytes 0, 1, 2, ...</summary>
    public static byte[] Build(string json, int dataLength, ulong? claimedHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        Array.Resize(ref header, (header.Length + 7) / 8 * 8);
        for (var i = Encoding.UTF8.GetByteCount(json); i < header.Length; i++) header[i] = (byte)' ';
        var data = new byte[dataLength];
        for (var i = 0; i < dataLength; i++) data[i] = (byte)i;
        return Build(header, data, claimedHeaderLength);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Runtime;

namespace Fpo.Grains.Orleans.Folder;

/// <summary>
/// The file name of one grain's state: state name, grain type and key, each escaped so that only letters, digits, '-' and
/// '_' stay as they are (every other UTF-8 byte becomes %XX), joined by '.'. No part can hold '/', '\' or '.', so no key
/// leaves the folder or collides with another; a name too long for a file system keeps a prefix and a hash of the whole.
/// </summary>
internal static class GrainStateFileName
{
    private const int MaxLength = 200;

    public static string For(string stateName, GrainId grainId)
    {
        var name = $"{Escape(stateName)}.{Escape(grainId.Type.ToString()!)}.{Escape(grainId.Key.ToString()!)}";
        if (name.Length > MaxLength)
            name = $"{name[..(MaxLength - 80)]}~{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))}";
        return name + ".state";
    }

    private static string Escape(string part)
    {
        var escaped = new StringBuilder(part.Length);
        foreach (var b in Encoding.UTF8.GetBytes(part))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_') escaped.Append((char)b);
            else escaped.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return escaped.ToString();
    }
}

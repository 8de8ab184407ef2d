namespace Fpo.Models.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ character map: printable Latin-1 bytes map to themselves, the other 68 bytes to
/// U+0100 onwards, so every byte string becomes a string of visible characters that a vocabulary file can hold.
/// </summary>
public static class ByteLevel
{
    /// <summary>The character that stands for each byte value.</summary>
    public static IReadOnlyList<char> ByteToChar => byteToChar;

    private static readonly char[] byteToChar = BuildByteToChar();
    private static readonly short[] charToByte = BuildCharToByte();

    internal static char CharOf(byte b) => byteToChar[b];

    /// <summary>The byte a character stands for, or -1 when the character is not one of the 256.</summary>
    public static int CharToByte(char c) => c < charToByte.Length ? charToByte[c] : -1;

    /// <summary>The bytes a byte-level token spells, or null when it holds a character outside the map.</summary>
    public static byte[]? TryDecode(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            var b = CharToByte(token[i]);
            if (b < 0)
                return null;
            bytes[i] = (byte)b;
        }
        return bytes;
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[324];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
            map[byteToChar[b]] = (short)b;
        return map;
    }
}

namespace Fpo.Testing.Fuzzing;

/// <summary>Blind damage to a file's bytes: bit flips, overwrites, truncation, insertion and deletion, preferring
/// bytes that matter to the format (<see cref="Interesting"/>) half of the time.</summary>
public static class ByteMutator
{
    public static readonly string[] Kinds = ["BitFlips", "Overwrite", "Truncate", "Insert", "Delete"];

    /// <summary>Bytes that change the structure of JSON and text files.</summary>
    public static readonly byte[] Interesting = "\0 \n\r\t{}[],:\"\\-0123456789eE.tfn#\xff"u8.ToArray();

    /// <summary>Returns a damaged copy of <paramref name="bytes"/> (never empty input) and the kind of damage.</summary>
    public static (byte[] Bytes, string Kind) Mutate(Random random, byte[] bytes)
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        var result = (byte[])bytes.Clone();
        switch (kind)
        {
            case "BitFlips":
                for (var n = random.Next(1, 9); n > 0; n--)
                    result[random.Next(result.Length)] ^= (byte)(1 << random.Next(8));
                return (result, kind);
            case "Overwrite":
                for (var n = random.Next(1, 5); n > 0; n--)
                    result[random.Next(result.Length)] = NextByte(random);
                return (result, kind);
            case "Truncate":
                return (result[..random.Next(result.Length)], kind);
            case "Insert":
            {
                var at = random.Next(result.Length + 1);
                var inserted = new byte[random.Next(1, 17)];
                for (var j = 0; j < inserted.Length; j++) inserted[j] = NextByte(random);
                return ([.. result[..at], .. inserted, .. result[at..]], kind);
            }
            default:
            {
                var at = random.Next(result.Length);
                var length = Math.Min(random.Next(1, 17), result.Length - at);
                return ([.. result[..at], .. result[(at + length)..]], kind);
            }
        }
    }

    private static byte NextByte(Random random) => random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
}

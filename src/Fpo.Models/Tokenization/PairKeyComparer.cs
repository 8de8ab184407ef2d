namespace Fpo.Models.Tokenization;

/// <summary>
/// Hashes a (left id, right id) pair packed in a long. long.GetHashCode folds the halves with XOR, which maps the
/// pairs of a BPE vocabulary (both ids small) onto few hash values and makes lookups walk long chains; a
/// multiplicative (Fibonacci) hash spreads them.
/// </summary>
internal sealed class PairKeyComparer : IEqualityComparer<long>
{
    public static PairKeyComparer Instance { get; } = new();

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
}

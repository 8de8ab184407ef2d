namespace Fpo.Models.Transformer;

/// <summary>
/// Keys and values of up to <see cref="MaxSequences"/> sequences, each at most <see cref="Capacity"/> positions,
/// for every layer. Each sequence slot has its own length (its next position), so prompts of different lengths
/// decode side by side. Memory: <see cref="Bytes"/> = MaxSequences × <see cref="BytesPerSequence"/>, all allocated up front.
/// </summary>
public sealed class KvCache
{
    public ModelConfig Config { get; }
    public int MaxSequences { get; }
    public int Capacity { get; }

    internal float[][] Keys { get; }    // (L) of (MaxSequences, NKV, Capacity, HS)
    internal float[][] Values { get; }  // (L) of (MaxSequences, NKV, Capacity, HS)
    private readonly int[] _lengths;    // (MaxSequences)

    public KvCache(ModelConfig config, int maxSequences, int capacity)
    {
        Config = config.Validate();
        if (maxSequences <= 0) throw new ArgumentOutOfRangeException(nameof(maxSequences), maxSequences, "must be positive");
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be positive");
        if (capacity > config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity exceeds the model's {config.MaxPositions} positions");
        var perLayer = (long)maxSequences * config.KvHeads * capacity * config.HeadSize;
        if (perLayer > Array.MaxLength)
            throw new ArgumentException($"KV cache of {maxSequences} sequences x {capacity} positions needs {perLayer:N0} floats per layer, more than one array holds; lower one of them");
        MaxSequences = maxSequences;
        Capacity = capacity;
        Keys = new float[config.Layers][];
        Values = new float[config.Layers][];
        for (var l = 0; l < config.Layers; l++)
        {
            Keys[l] = new float[perLayer];
            Values[l] = new float[perLayer];
        }
        _lengths = new int[maxSequences];
    }

    /// <summary>Keys and values of one slot of <paramref name="capacity"/> positions: L × 2 × NKV × capacity × HS floats.</summary>
    public static long BytesPerSequence(ModelConfig config, int capacity) =>
        2L * config.Layers * config.KvHeads * capacity * config.HeadSize * sizeof(float);

    /// <summary>Bytes this cache holds: MaxSequences × BytesPerSequence(Config, Capacity).</summary>
    public long Bytes => MaxSequences * BytesPerSequence(Config, Capacity);

    /// <summary>Tokens cached for sequence slot <paramref name="sequence"/>: the position its next token gets.</summary>
    public int Length(int sequence) => _lengths[CheckSlot(sequence)];

    /// <summary>Empties one slot (its old keys are overwritten as it refills).</summary>
    public void Reset(int sequence) => _lengths[CheckSlot(sequence)] = 0;

    public void Clear() => Array.Clear(_lengths);

    /// <summary>
    /// Makes slot <paramref name="to"/> hold the first <paramref name="length"/> positions of slot <paramref name="from"/>,
    /// bit for bit, so several samples of one prompt continue from a single prefill.
    /// </summary>
    public void CopyPrefix(int from, int to, int length)
    {
        CheckPrefix(from, length);
        CheckSlot(to);
        int NKV = Config.KvHeads, HS = Config.HeadSize;
        for (var l = 0; l < Config.Layers; l++)
            for (var h = 0; h < NKV; h++)
            {
                long src = (long)(from * NKV + h) * Capacity * HS, dst = (long)(to * NKV + h) * Capacity * HS;
                Array.Copy(Keys[l], src, Keys[l], dst, (long)length * HS);
                Array.Copy(Values[l], src, Values[l], dst, (long)length * HS);
            }
        _lengths[to] = length;
    }

    /// <summary>Keeps only the first <paramref name="length"/> positions of a slot (a shared prompt stays for the next
    /// sample; later positions are overwritten as it refills).</summary>
    public void Truncate(int sequence, int length)
    {
        CheckPrefix(sequence, length);
        _lengths[sequence] = length;
    }

    internal void Advance(int sequence, int count) => _lengths[sequence] += count;

    private void CheckPrefix(int sequence, int length)
    {
        if ((uint)length > (uint)Length(sequence))
            throw new ArgumentOutOfRangeException(nameof(length), length, $"KV cache slot {sequence} holds {Length(sequence)} positions");
    }

    internal int CheckSlot(int sequence)
    {
        if ((uint)sequence >= (uint)MaxSequences)
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, $"KV cache slot must be in [0, {MaxSequences})");
        return sequence;
    }
}

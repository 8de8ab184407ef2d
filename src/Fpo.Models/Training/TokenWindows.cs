namespace Fpo.Models.Training;

/// <summary>
/// Training and validation windows over one token stream. The batch of step s depends only on (seed, s), so a
/// resumed run sees exactly the batches the uninterrupted run would have seen.
/// </summary>
public sealed class TokenWindows
{
    private readonly int[] _tokens;
    private readonly int _trainEnd;

    public TokenWindows(int[] tokens, int sequenceLength, float validationFraction)
    {
        _tokens = tokens;
        SequenceLength = sequenceLength;
        var validation = (int)(tokens.Length * validationFraction);
        // Both parts need at least one window of T inputs plus the next-token target.
        validation = Math.Max(validation, sequenceLength + 1);
        _trainEnd = tokens.Length - validation;
        if (_trainEnd < sequenceLength + 1)
            throw new ArgumentException(
                $"the corpus has {tokens.Length} tokens: too few for training and validation windows of {sequenceLength + 1} tokens " +
                $"(need at least {2 * (sequenceLength + 1)}); use a larger corpus or a shorter --seq");
    }

    public int SequenceLength { get; }
    public int TrainTokens => _trainEnd;
    public int ValidationTokens => _tokens.Length - _trainEnd;

    /// <summary>Fills tokens (B,T) and targets (B,T) with random training windows of step <paramref name="step"/>.</summary>
    public void TrainBatch(int seed, int step, Span<int> tokens, Span<int> targets, int B)
    {
        // HashCode.Combine is randomised per process; this mix is not.
        var random = new Random(unchecked((seed * 1_000_003) ^ step));
        for (var b = 0; b < B; b++)
            Copy(random.Next(0, _trainEnd - SequenceLength), tokens, targets, b);
    }

    /// <summary>Validation batch <paramref name="index"/>: evenly spaced windows, the same on every evaluation.</summary>
    public void ValidationBatch(int index, int batches, Span<int> tokens, Span<int> targets, int B)
    {
        var span = ValidationTokens - SequenceLength - 1;
        for (var b = 0; b < B; b++)
        {
            var k = index * B + b;
            Copy(_trainEnd + (int)((long)span * k / Math.Max(1, batches * B - 1)), tokens, targets, b);
        }
    }

    private void Copy(int start, Span<int> tokens, Span<int> targets, int b)
    {
        var T = SequenceLength;
        _tokens.AsSpan(start, T).CopyTo(tokens.Slice(b * T, T));
        _tokens.AsSpan(start + 1, T).CopyTo(targets.Slice(b * T, T));
    }
}

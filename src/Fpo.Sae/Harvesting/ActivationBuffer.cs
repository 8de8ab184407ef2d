using Fpo.Models.Sampling;

namespace Fpo.Sae.Harvesting;

/// <summary>
/// A bounded pool of activation rows from which training batches are drawn at random. Consecutive tokens of one
/// text have strongly correlated residuals, so an SAE trained on them in order sees long runs of near-duplicates;
/// drawing uniformly from a pool that many windows fed decorrelates the batches while memory stays
/// Capacity × D floats, however long the token stream is.
/// </summary>
public sealed class ActivationBuffer
{
    private readonly float[] _rows;  // (Capacity, D)
    private readonly SequenceRandom _random;

    public ActivationBuffer(int capacity, int width, int seed)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the activation buffer needs room for at least one row");
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "activation rows must have a positive width");
        if ((long)capacity * width > Array.MaxLength)
            throw new ArgumentException($"an activation buffer of {capacity:N0} rows x {width} floats does not fit in one array; lower the capacity");
        (Capacity, Width) = (capacity, width);
        _rows = new float[(long)capacity * width];
        _random = new SequenceRandom((ulong)seed, 0);
    }

    public int Capacity { get; }
    public int Width { get; }

    /// <summary>Rows held now.</summary>
    public int Count { get; private set; }

    public int FreeRows => Capacity - Count;

    /// <summary>The rows held now (Count, D), in pool order.</summary>
    public ReadOnlySpan<float> Rows => _rows.AsSpan(0, Count * Width);

    /// <summary>The state of the row-drawing random stream (for a checkpoint).</summary>
    public ulong[] RandomState => _random.State;

    /// <summary>Puts back the rows and random state a checkpoint saved, so the next Take draws what it would have.</summary>
    public void Restore(ReadOnlySpan<float> rows, ulong[] randomState)
    {
        if (rows.Length % Width != 0 || rows.Length / Width > Capacity)
            throw new ArgumentException($"{rows.Length} floats are not at most {Capacity} rows of {Width}", nameof(rows));
        _random.State = randomState;
        Count = 0;
        Add(rows);
    }

    /// <summary>Appends rows (n, D); n must not exceed <see cref="FreeRows"/>.</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Width != 0) throw new ArgumentException($"{rows.Length} floats are not whole rows of {Width}", nameof(rows));
        var n = rows.Length / Width;
        if (n > FreeRows) throw new InvalidOperationException($"adding {n} rows to an activation buffer with room for {FreeRows}");
        rows.CopyTo(_rows.AsSpan(Count * Width));
        Count += n;
    }

    /// <summary>
    /// Moves B rows chosen uniformly without replacement into batch (B, D); each taken row's place is filled by the
    /// buffer's last row, so the pool stays packed.
    /// </summary>
    public void Take(Span<float> batch, int B)
    {
        if (B <= 0 || B > Count) throw new ArgumentOutOfRangeException(nameof(B), B, $"can take 1 to {Count} rows");
        if (batch.Length != B * Width) throw new ArgumentException($"batch holds {batch.Length} floats, {B} rows need {B * Width}", nameof(batch));
        var D = Width;
        for (var b = 0; b < B; b++)
        {
            var i = _random.Next(Count);
            _rows.AsSpan(i * D, D).CopyTo(batch.Slice(b * D, D));
            Count--;
            if (i != Count) _rows.AsSpan(Count * D, D).CopyTo(_rows.AsSpan(i * D, D));
        }
    }
}

namespace Fpo.Models.Generation;

/// <summary>How much a <see cref="GenerationEngine"/> keeps in flight and how much KV memory it may take.</summary>
public sealed record GenerationOptions
{
    /// <summary>Used when <see cref="MaxSequenceLength"/> is not given and the model has more positions.</summary>
    public const int DefaultMaxSequenceLength = 1024;

    /// <summary>Most sequences decoded together (KV cache slots).</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>Positions per slot: prompt plus new tokens. Default: the model's MaxPositions, at most
    /// <see cref="DefaultMaxSequenceLength"/>.</summary>
    public int? MaxSequenceLength { get; init; }

    /// <summary>When set, <see cref="MaxBatch"/> is lowered until the KV cache fits in this many bytes.</summary>
    public long? KvBudgetBytes { get; init; }
}

using System.Runtime.InteropServices;

namespace Fpo.Models.Sampling;

/// <summary>
/// The tokens one sequence has seen, for the penalties: which ids occur in the prompt or the generated text
/// (repetition penalty) and how often each id was generated (presence and frequency penalties).
/// Kept sparse (distinct ids only), so the penalties cost the number of distinct ids seen, not V.
/// </summary>
public sealed class TokenHistory
{
    private readonly HashSet<int> _seen;
    private readonly List<int> _seenIds;          // distinct ids of prompt and generated text, in order of first sight
    private readonly Dictionary<int, int> _slot;  // generated id -> its index in _generatedIds
    private readonly List<int> _generatedIds;     // distinct generated ids
    private readonly List<int> _generatedCounts;  // times each of _generatedIds was generated

    public TokenHistory(ReadOnlySpan<int> prompt)
    {
        _seen = [];
        _seenIds = [];
        _slot = [];
        _generatedIds = [];
        _generatedCounts = [];
        for (var i = 0; i < prompt.Length; i++)
        {
            if (prompt[i] < 0) throw new ArgumentException($"prompt token {i} is {prompt[i]}: token ids must be >= 0", nameof(prompt));
            See(prompt[i]);
        }
    }

    private TokenHistory(TokenHistory other)
    {
        _seen = [.. other._seen];
        _seenIds = [.. other._seenIds];
        _slot = new(other._slot);
        _generatedIds = [.. other._generatedIds];
        _generatedCounts = [.. other._generatedCounts];
        MaxId = other.MaxId;
        GeneratedCount = other.GeneratedCount;
    }

    /// <summary>Number of tokens generated so far.</summary>
    public int GeneratedCount { get; private set; }

    /// <summary>Largest id seen, -1 when none: the sampler checks it against its vocabulary.</summary>
    internal int MaxId { get; private set; } = -1;

    /// <summary>Distinct ids of the prompt and the generated text.</summary>
    internal ReadOnlySpan<int> SeenIds => CollectionsMarshal.AsSpan(_seenIds);

    /// <summary>Distinct generated ids; <see cref="GeneratedCounts"/> holds how often each was generated.</summary>
    internal ReadOnlySpan<int> GeneratedIds => CollectionsMarshal.AsSpan(_generatedIds);

    internal ReadOnlySpan<int> GeneratedCounts => CollectionsMarshal.AsSpan(_generatedCounts);

    /// <summary>Records one generated token.</summary>
    public void Add(int token)
    {
        if (token < 0) throw new ArgumentException($"generated token is {token}: token ids must be >= 0", nameof(token));
        See(token);
        if (_slot.TryGetValue(token, out var slot))
            _generatedCounts[slot]++;
        else
        {
            _slot.Add(token, _generatedIds.Count);
            _generatedIds.Add(token);
            _generatedCounts.Add(1);
        }
        GeneratedCount++;
    }

    /// <summary>An independent copy: the n samples of one prompt start from one history built once.</summary>
    public TokenHistory Clone() => new(this);

    private void See(int token)
    {
        if (!_seen.Add(token)) return;
        _seenIds.Add(token);
        MaxId = Math.Max(MaxId, token);
    }
}

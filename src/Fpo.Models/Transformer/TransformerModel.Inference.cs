using Fpo.Tensors;

namespace Fpo.Models.Transformer;

public sealed partial class TransformerModel
{
    private InferenceBuffers? _inference;
    private int[] _ones = [];  // counts of a decode step
    private int[] _slotCall = [];  // (cache slots) the CheckExtend call that last listed each slot, to find duplicates
    private int _checkCall;
    private int? _captureLayer;

    /// <summary>
    /// When set, every inference call keeps resid_post[layer] of all its rows in <see cref="CapturedResidual"/>
    /// (inference reuses one residual buffer for all layers, so it must be asked for beforehand).
    /// </summary>
    public int? CaptureLayer
    {
        get => _captureLayer;
        set
        {
            if (value is { } l) CheckLayer(l);
            _captureLayer = value;
        }
    }

    /// <summary>(N, C) resid_post[<see cref="CaptureLayer"/>] of the rows of the last inference call, in the order
    /// its tokens were given (slot by slot).</summary>
    public ReadOnlySpan<float> CapturedResidual =>
        _captureLayer is not null && _inference is { } I ? I.Captured.In(I.Arena)
        : throw new InvalidOperationException("set CaptureLayer before an inference call to capture its residual stream");

    /// <summary>A KV cache for this model's shape.</summary>
    public KvCache CreateCache(int maxSequences, int capacity) => new(Config, maxSequences, capacity);

    /// <summary>
    /// Starts sequence slot i with prompts[i] (slots 0..prompts.Count-1 are reset first) and returns the logits at
    /// each prompt's last position: (prompts.Count, V), valid until the next inference call.
    /// </summary>
    public ReadOnlySpan<float> Prefill(KvCache cache, IReadOnlyList<int[]> prompts)
    {
        var slots = new int[prompts.Count];
        var counts = new int[prompts.Count];
        for (var i = 0; i < prompts.Count; i++)
        {
            slots[i] = cache.CheckSlot(i);
            counts[i] = prompts[i].Length;
            if (counts[i] == 0) throw new ArgumentException($"prompt {i} is empty", nameof(prompts));
        }
        var tokens = prompts.SelectMany(p => p).ToArray();
        for (var i = 0; i < prompts.Count; i++) cache.Reset(i);
        return Extend(cache, slots, counts, tokens);
    }

    /// <summary>
    /// Appends one token to each listed slot (each at its own next position) and returns the next-token logits
    /// (slots.Length, V), valid until the next inference call. A row's logits are bitwise the same whatever else is
    /// in the step (how many sequences, which, at which positions): every linear layer runs on
    /// <see cref="DecodeLinear"/> and every other step is computed row by row. In steady state a step allocates nothing.
    /// </summary>
    public ReadOnlySpan<float> DecodeStep(KvCache cache, ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens)
    {
        if (tokens.Length != slots.Length) throw new ArgumentException($"{tokens.Length} tokens for {slots.Length} slots", nameof(tokens));
        if (_ones.Length < slots.Length) _ones = Enumerable.Repeat(1, slots.Length).ToArray();
        return Extend(cache, slots, _ones.AsSpan(0, slots.Length), tokens);
    }

    /// <summary>
    /// Appends counts[i] tokens to slot slots[i] (tokens holds them back to back, slot by slot) and returns the
    /// logits at each slot's new last position: (slots.Length, V), valid until the next inference call.
    /// </summary>
    public ReadOnlySpan<float> Extend(KvCache cache, ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> tokens)
    {
        if (cache.Config != Config) throw new ArgumentException("the KV cache was made for a different model config", nameof(cache));
        var S = slots.Length;
        var N = CheckExtend(cache, slots, counts, tokens);
        var I = EnsureInference(N, S);
        var a = I.Arena;
        var P = Layout;
        for (int i = 0, n = 0; i < S; i++)
            for (var j = 0; j < counts[i]; j++, n++)
            {
                I.Slots[n] = slots[i];
                I.Positions[n] = cache.Length(slots[i]) + j;
            }
        ReadOnlySpan<int> positions = I.Positions, rowSlots = I.Slots;
        var x = I.Block;
        var path = InferencePath(N == S);
        var stream = I.Stream.In(a);

        Embedding.Forward(stream, tokens, positions, Par(P.Wte), Par(P.Wpe), N, C);
        for (var l = 0; l < L; l++)
        {
            AttentionInput(path, a, x, stream, l, positions, N);
            CachedAttention.Append(cache.Keys[l], cache.Values[l], x.Qkv.In(a), rowSlots, positions, N, NH, NKV, HS, cache.Capacity);
            CachedAttention.Forward(x.Atty.In(a), x.Qkv.In(a), cache.Keys[l], cache.Values[l], rowSlots, positions, N, NH, NKV, HS, cache.Capacity);
            AttentionOutputAndMlp(path, a, x, stream, l, N);
            ApplySteering(stream, l, N);
            if (l == _captureLayer) stream.CopyTo(I.Captured.In(a));
        }
        var last = I.Last.In(a);
        for (int i = 0, end = 0; i < S; i++)
        {
            end += counts[i];
            stream.Slice((end - 1) * C, C).CopyTo(last.Slice(i * C, C));
            cache.Advance(slots[i], counts[i]);
        }
        var lnf = I.Lnf.In(a);
        var logits = I.Logits.In(a);
        NormForward(lnf, I.LnfMean.In(a), I.LnfRstd.In(a), last, Par(P.Lnfw), Par(P.Lnfb), S);
        // The head always runs on DecodeLinear: its S rows are one per sequence, so logits never depend on the batch.
        Project(path == LinearPath.DecodeBFloat16 ? path : LinearPath.DecodeFloat32, logits, lnf, P.LmHead, default, S, C, V);
        return logits;
    }

    // Returns the number of rows N after checking slots, counts, tokens, capacity and positions.
    private int CheckExtend(KvCache cache, ReadOnlySpan<int> slots, ReadOnlySpan<int> counts, ReadOnlySpan<int> tokens)
    {
        if (slots.Length == 0) throw new ArgumentException("no sequences given", nameof(slots));
        if (counts.Length != slots.Length) throw new ArgumentException($"{counts.Length} counts for {slots.Length} slots", nameof(counts));
        var N = 0;
        if (_slotCall.Length < cache.MaxSequences) _slotCall = new int[cache.MaxSequences];
        var call = ++_checkCall;
        for (var i = 0; i < slots.Length; i++)
        {
            var slot = cache.CheckSlot(slots[i]);
            if (_slotCall[slot] == call) throw new ArgumentException($"slot {slot} is listed twice", nameof(slots));
            _slotCall[slot] = call;
            if (counts[i] <= 0) throw new ArgumentException($"counts[{i}] = {counts[i]}, must be positive", nameof(counts));
            var end = cache.Length(slot) + counts[i];
            if (end > cache.Capacity)
                throw new InvalidOperationException($"KV cache slot {slot} would hold {end} positions, over its capacity of {cache.Capacity}; make a cache with a larger capacity or reset the slot");
            // the message is built only on failure: a decode step checks every slot and must not allocate
            if (end > Config.MaxPositions) CheckPositions(end - 1, $"KV cache slot {slot}");
            N += counts[i];
        }
        if (tokens.Length != N) throw new ArgumentException($"tokens has {tokens.Length} ids, the counts add up to {N}", nameof(tokens));
        CheckTokens(tokens, nameof(tokens));
        return N;
    }

    private InferenceBuffers EnsureInference(int N, int S)
    {
        if (_inference is { } I && I.Rows == N && I.Sequences == S) return I;
        _inference = null;
        _inference = new InferenceBuffers(Config, N, S);
        return _inference;
    }
}

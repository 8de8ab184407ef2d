using System.Collections.Concurrent;
using System.Threading.Channels;
using Fpo.Models.Sampling;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Models.Generation;

/// <summary>
/// Generates samples for many requests with continuous batching over one <see cref="KvCache"/> of
/// <see cref="MaxBatch"/> slots of <see cref="MaxSequenceLength"/> positions. Its memory is fixed when the engine is
/// made: MaxBatch × MaxSequenceLength × L × 2 × NKV × HS × 4 bytes (<see cref="KvBytes"/>); a request whose prompt plus
/// MaxNewTokens does not fit in one slot is refused up front.
/// <para>
/// The n samples of a request share one prefill: the prompt is run once (one Extend call per prompt, never packed
/// with others, so its logits do not depend on what else is queued), every sample draws its first token from those
/// logits with its own random stream (seed, sample index), and its KV rows are copied to the other samples' slots. A
/// finished sequence frees its slot before the next decode step, and waiting work takes it: first the remaining
/// samples of the request being started, then new requests in order. As each row's logits depend only on its own
/// sequence, a sample's tokens and log-probs are the same whatever else is in flight (given row-independent decode
/// kernels).
/// </para>
/// <para>
/// Errors: bad requests throw ArgumentException before any compute. A NaN in a request's logits fails only that
/// request: its result carries the error (request, sample, step) and no samples, and the others go on.
/// Not thread-safe: one Generate or ServeAsync call at a time (the model's inference buffers are shared).
/// </para>
/// </summary>
public sealed partial class GenerationEngine
{
    private readonly TransformerModel _model;
    private readonly BpeTokenizer? _tokenizer;
    private readonly KvCache _cache;
    private readonly byte[][]? _tokenBytes;  // (V) text bytes of each id; empty for special ids and ids the tokenizer lacks
    private readonly float[] _stepLogits;    // (MaxBatch, V) logits of the last decode step
    private readonly ConcurrentBag<TokenSampler> _samplers = [];
    private readonly int V;
    private int _busy;

    /// <param name="tokenizer">Turns tokens into text and supplies EOS; null for token-only use (no text, no stop strings).</param>
    public GenerationEngine(TransformerModel model, BpeTokenizer? tokenizer, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new GenerationOptions();
        _model = model;
        _tokenizer = tokenizer;
        var config = model.Config;
        V = config.VocabSize;
        MaxSequenceLength = options.MaxSequenceLength ?? Math.Min(config.MaxPositions, GenerationOptions.DefaultMaxSequenceLength);
        if (MaxSequenceLength < 1 || MaxSequenceLength > config.MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(options), $"MaxSequenceLength is {MaxSequenceLength}, must be in [1, {config.MaxPositions}] (the model's positions)");
        if (options.MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxBatch is {options.MaxBatch}, must be at least 1");
        MaxBatch = Math.Min(options.MaxBatch, FitInBudget(config, MaxSequenceLength, options.KvBudgetBytes));
        _cache = model.CreateCache(MaxBatch, MaxSequenceLength);
        _stepLogits = new float[MaxBatch * V];
        if (tokenizer is not null) _tokenBytes = TokenBytes(tokenizer, V);
    }

    /// <summary>Sequences decoded together (lowered from the options' MaxBatch when a KV budget was given).</summary>
    public int MaxBatch { get; }

    /// <summary>Positions per sequence: prompt plus new tokens.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>Bytes of the KV cache: MaxBatch × MaxSequenceLength × L × 2 × NKV × HS × 4.</summary>
    public long KvBytes => _cache.Bytes;

    /// <summary>Prompts run through the model so far (one per request, whatever its n).</summary>
    public long Prefills { get; private set; }

    /// <summary>Decode steps so far (one model call each, over every sequence in flight).</summary>
    public long DecodeSteps { get; private set; }

    /// <summary>Times a prompt's KV rows were copied to another slot for one more sample.</summary>
    public long PrefixCopies { get; private set; }

    /// <summary>Raised on the generating thread as each request completes (or fails), before Generate returns.</summary>
    public event Action<GenerationResult>? RequestCompleted;

    /// <summary>Raised on the generating thread after every drawn token, in draw order within a sample, before the
    /// sample's request completes. Keep handlers short: the decode loop waits for them.</summary>
    public event Action<GeneratedToken>? TokenGenerated;

    /// <summary>
    /// Runs every request to completion and returns their results in request order. Throws ArgumentException (naming
    /// the request) when a request is invalid, before any compute; OperationCanceledException when cancelled.
    /// </summary>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<GenerationRequest> requests,
        IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
    {
        RequestValidation.Check(requests, V, MaxSequenceLength, _tokenizer is not null);
        Enter();
        try
        {
            var eos = _tokenizer?.EosTokenId;
            var queue = new Queue<RequestRun>(requests.Select((r, i) => new RequestRun(r, i, r.Seed ?? (ulong)Random.Shared.NextInt64(), eos)));
            var results = new GenerationResult[queue.Count];
            new Batching(this, () => queue.TryDequeue(out var next) ? next : null, results, progress, ct).Run();
            return results;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Serves requests as they arrive until <paramref name="requests"/> completes or <paramref name="ct"/> is
    /// cancelled: one decode loop, and every request read while it runs joins the batch as a slot frees (continuous
    /// batching across callers). Results go only to <see cref="RequestCompleted"/> (and tokens to
    /// <see cref="TokenGenerated"/>); an invalid request completes at once with its error, and a request whose
    /// <see cref="GenerationRequest.Cancellation"/> fires completes with a "cancelled" error. Request ids should be
    /// unique among requests in flight, as the events name requests by id.
    /// </summary>
    public async Task ServeAsync(ChannelReader<GenerationRequest> requests, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        Enter();
        try
        {
            while (await requests.WaitToReadAsync(ct).ConfigureAwait(false))
                new Batching(this, () => NextServed(requests), null, null, ct).Run();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Enter()
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("GenerationEngine is already running a Generate or ServeAsync call; the engine runs one call at a time");
    }

    // The next valid request waiting in the channel; invalid ones complete with their error on the way.
    private RequestRun? NextServed(ChannelReader<GenerationRequest> requests)
    {
        while (requests.TryRead(out var request))
        {
            var seed = request.Seed ?? (ulong)Random.Shared.NextInt64();
            try
            {
                RequestValidation.CheckOne(request, V, MaxSequenceLength, _tokenizer is not null);
            }
            catch (ArgumentException e)
            {
                RequestCompleted?.Invoke(new GenerationResult(request.Id ?? "", seed, [], e.Message));
                continue;
            }
            return new RequestRun(request, 0, seed, _tokenizer?.EosTokenId);
        }
        return null;
    }

    private static int FitInBudget(ModelConfig config, int capacity, long? budget)
    {
        if (budget is not { } bytes) return int.MaxValue;
        var perSequence = KvCache.BytesPerSequence(config, capacity);
        if (bytes < perSequence)
            throw new ArgumentOutOfRangeException(nameof(budget), $"a KV budget of {bytes:N0} bytes holds no sequence: one of {capacity} positions needs {perSequence:N0} bytes; raise the budget or lower MaxSequenceLength");
        return (int)Math.Min(int.MaxValue, bytes / perSequence);
    }

    private static byte[][] TokenBytes(BpeTokenizer tokenizer, int V)
    {
        var bytes = new byte[V][];
        for (var id = 0; id < V; id++)
            bytes[id] = tokenizer.IdToToken(id) is null ? [] : tokenizer.DecodeBytes([id], skipSpecial: true);
        return bytes;
    }

    private TokenSampler RentSampler() => _samplers.TryTake(out var s) ? s : new TokenSampler(V);

    private void ReturnSampler(TokenSampler sampler) => _samplers.Add(sampler);
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Fpo.Models.Generation;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Microsoft.Extensions.Hosting;

namespace Fpo.Silo.Api;

/// <summary>
/// The one decode loop behind every HTTP request: requests wait in a bounded queue and the engine's
/// <see cref="GenerationEngine.ServeAsync"/> takes them into its batch as slots free, so concurrent requests share
/// decode steps. A full queue refuses at once (the API answers 429) instead of letting waits grow without bound.
/// </summary>
public sealed class GenerationService : IHostedService, IDisposable
{
    private readonly Channel<GenerationRequest> _queue;
    private readonly ConcurrentDictionary<string, Submission> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _admission = new();
    private Task? _loop;

    public GenerationService(TransformerModel model, BpeTokenizer tokenizer, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.QueueCapacity < 1) throw new ArgumentOutOfRangeException(nameof(options), $"the queue capacity is {options.QueueCapacity}, must be at least 1");
        Model = model;
        Tokenizer = tokenizer;
        Engine = new GenerationEngine(model, tokenizer, new GenerationOptions { MaxBatch = options.MaxBatch, MaxSequenceLength = options.MaxSequenceLength });
        Engine.TokenGenerated += OnToken;
        Engine.RequestCompleted += OnCompleted;
        _queue = Channel.CreateBounded<GenerationRequest>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true });
        QueueCapacity = options.QueueCapacity;
    }

    /// <summary>Requests that may wait for a slot.</summary>
    public int QueueCapacity { get; }

    /// <summary>Raised when a request enters the queue, with the number now waiting (for monitoring and tests).</summary>
    public event Action<int>? RequestQueued;

    public TransformerModel Model { get; }
    public BpeTokenizer Tokenizer { get; }
    public GenerationEngine Engine { get; }

    /// <summary>
    /// Queues a request; returns null when the queue is full. With <paramref name="stream"/>, every token is also
    /// written to the submission's token channel as it is drawn.
    /// </summary>
    public Submission? TrySubmit(GenerationRequest request, bool stream)
    {
        ArgumentNullException.ThrowIfNull(request);
        var submission = new Submission(stream);
        lock (_admission)
        {
            if (!_pending.TryAdd(request.Id, submission)) throw new InvalidOperationException($"request id {request.Id} is already in flight");
            if (_loop is { IsCompleted: true } || !_queue.Writer.TryWrite(request))
            {
                _pending.TryRemove(request.Id, out _);
                return null;
            }
        }
        RequestQueued?.Invoke(_queue.Reader.Count);
        return submission;
    }

    /// <summary>
    /// Runs <paramref name="change"/> (e.g. loading new weights into <see cref="Model"/>) only while no request is in
    /// flight, holding new ones back meanwhile, so every response comes from one set of weights; false when busy.
    /// </summary>
    public bool TryWhileIdle(Action change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_admission)
        {
            if (!_pending.IsEmpty) return false;
            change();
            return true;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => Engine.ServeAsync(_queue.Reader, _stopping.Token), CancellationToken.None);
        _loop.ContinueWith(FailPending, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    /// <summary>Takes no more requests and lets the loop finish those it holds; when the host's shutdown timeout
    /// (<paramref name="cancellationToken"/>) ends the wait first, the rest are cancelled.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is not { } loop) return;
        var ended = loop.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        await Task.WhenAny(ended, Task.Delay(Timeout.Infinite, cancellationToken));
        await _stopping.CancelAsync();
        await ended;
    }

    public void Dispose() => _stopping.Dispose();

    private void OnToken(GeneratedToken token)
    {
        if (_pending.TryGetValue(token.RequestId, out var submission)) submission.Tokens?.Writer.TryWrite(token);
    }

    private void OnCompleted(GenerationResult result)
    {
        if (!_pending.TryRemove(result.RequestId, out var submission)) return;
        submission.Tokens?.Writer.TryComplete();
        submission.Completion.TrySetResult(result);
    }

    // The loop ended (shutdown or a bug): nothing will complete what is still waiting.
    private void FailPending(Task loop)
    {
        var error = loop.Exception?.InnerException ?? new OperationCanceledException("the server is shutting down");
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var submission))
            {
                submission.Tokens?.Writer.TryComplete(error);
                submission.Completion.TrySetException(error);
            }
    }
}

/// <summary>A queued request's future: its result, and for a streamed request its tokens as they are drawn.</summary>
public sealed class Submission(bool stream)
{
    public TaskCompletionSource<GenerationResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Channel<GeneratedToken>? Tokens { get; } = stream ? Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true }) : null;
}

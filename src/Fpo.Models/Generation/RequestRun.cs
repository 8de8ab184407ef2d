using Fpo.Models.Sampling;

namespace Fpo.Models.Generation;

/// <summary>A request while it runs: its seed, the prompt's logits until every sample has drawn from them, and the
/// samples finished so far.</summary>
internal sealed class RequestRun(GenerationRequest request, int index, ulong seed, int? eos)
{
    private readonly HashSet<int> _stops = [.. request.StopTokenIds, .. (request.IgnoreEos || eos is null ? [] : new[] { eos.Value })];

    public GenerationRequest Request => request;
    public int Index => index;
    public ulong Seed => seed;
    public int[] Prompt { get; } = [.. request.PromptTokens];

    /// <summary>The prompt's token history, built once; each sample starts from a clone.</summary>
    public TokenHistory PromptHistory { get; } = new(request.PromptTokens.ToArray());

    /// <summary>(V) next-token logits after the prompt: every sample draws its first token from them.</summary>
    public float[]? PromptLogits { get; set; }

    /// <summary>Samples started so far; sample i uses random stream (Seed, i).</summary>
    public int Started { get; set; }

    public GeneratedSample?[] Samples { get; } = new GeneratedSample?[request.N];
    public int Finished { get; set; }
    public string? Error { get; set; }

    public bool AllStarted => Started == request.N;

    /// <summary>A stop token id or, unless IgnoreEos, the end-of-sequence token.</summary>
    public bool IsStopToken(int token) => _stops.Contains(token);

    public GenerationResult ToResult() =>
        Error is null ? new(request.Id, seed, Samples!) : new(request.Id, seed, [], Error);
}

using Fpo.Models.Sampling;

namespace Fpo.Models.Generation;

/// <summary>
/// One sample while it decodes in a KV cache slot: its tokens and log-probs, the history the penalties read, its own
/// random stream and its text. <see cref="Draw"/> applies the stop rule after every token.
/// </summary>
internal sealed class SampleRun(RequestRun owner, int index, int slot, bool withText)
{
    private readonly List<int> _tokens = [];
    private readonly List<float> _modelLogProbs = [];
    private readonly List<float> _samplingLogProbs = [];
    private readonly List<IReadOnlyList<TokenLogProb>>? _top = owner.Request.TopLogProbs > 0 ? [] : null;
    private readonly TokenHistory _history = owner.PromptHistory.Clone();
    private readonly SequenceRandom _random = new(owner.Seed, index);
    private readonly IncrementalText? _text = withText ? new IncrementalText(owner.Request.StopStrings) : null;
    private int? _stopToken;

    public RequestRun Owner => owner;
    public int Index => index;
    public int Slot => slot;

    /// <summary>The last drawn token: the input of this sample's next decode step.</summary>
    public int LastToken => _tokens[^1];

    public FinishReason? Finish { get; private set; }

    /// <summary>Set instead of a token when the sampler refused the logits (a NaN).</summary>
    public string? Failure { get; private set; }

    /// <summary>
    /// Draws the next token from logits (V) and decides whether the sample ends: a stop token (kept in the tokens,
    /// not in the text), a stop string completed by this token's bytes, or MaxNewTokens reached.
    /// tokenBytes (V) holds each id's text bytes (empty for special and unknown ids).
    /// </summary>
    public void Draw(TokenSampler sampler, ReadOnlySpan<float> logits, byte[][]? tokenBytes)
    {
        SampledToken drawn;
        try
        {
            drawn = sampler.Sample(logits, owner.Request.Sampling, _history, _random);
        }
        catch (ArgumentException e)
        {
            Failure = $"request {owner.Request.Id}: sample {index}, new token {_tokens.Count}: {e.Message}";
            return;
        }
        var token = drawn.Token;
        _tokens.Add(token);
        _modelLogProbs.Add(drawn.ModelLogProb);
        _samplingLogProbs.Add(drawn.SamplingLogProb);
        _top?.Add(TopLogProbs.Compute(logits, owner.Request.TopLogProbs));
        _history.Add(token);
        if (owner.IsStopToken(token))
        {
            _stopToken = token;
            Finish = FinishReason.Stop;
        }
        else if (_text is not null && _text.Append(tokenBytes![token]))
            Finish = FinishReason.Stop;
        else if (_tokens.Count == owner.Request.MaxNewTokens)
            Finish = FinishReason.Length;
    }

    /// <summary>The last drawn token as a streaming event; releases the text that became final with it.</summary>
    public GeneratedToken LastAsEvent() => new(owner.Request.Id, index, _tokens[^1], _text?.Release(Finish is not null),
        _modelLogProbs[^1], _top?[^1], Finish);

    public GeneratedSample ToSample() => new(index, _tokens.ToArray(), _text?.Finish(), Finish!.Value,
        _modelLogProbs.ToArray(), _samplingLogProbs.ToArray(), _stopToken, _text?.Stop, _top?.ToArray());
}

using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Alignment.Judges;

/// <summary>
/// The RLAIF prompt scored by a model in this process, for runs with no server: P(first is better) is the softmax over
/// the next-token logits of "1" and "2" after the prompt (every vocabulary entry that spells the digit, with or without
/// surrounding whitespace, counts toward it), both orders averaged by <see cref="OrderedJudgement"/>. The prompt is
/// encoded as plain text, with no chat template. Calls are serialised on the model (one forward pass at a time).
/// </summary>
public sealed class ModelJudge : IJudge
{
    private readonly TransformerModel _model;
    private readonly BpeTokenizer _tokenizer;
    private readonly RlaifPrompt _prompt;
    private readonly double _margin;
    private readonly int[] _ones, _twos;
    private readonly KvCache _cache;
    private readonly Lock _lock = new();

    public ModelJudge(TransformerModel model, BpeTokenizer tokenizer, string modelName, RlaifPrompt? prompt = null, double margin = 0.05, string name = "model")
    {
        if (!(margin is >= 0 and < 0.5)) throw new ArgumentOutOfRangeException(nameof(margin), margin, "the confidence margin must be in [0, 0.5)");
        (_model, _tokenizer, _prompt, _margin, Name, Model) = (model, tokenizer, prompt ?? new RlaifPrompt(), margin, name, modelName);
        _ones = Spelling(tokenizer, model.Config.VocabSize, "1");
        _twos = Spelling(tokenizer, model.Config.VocabSize, "2");
        _cache = model.CreateCache(1, model.Config.MaxPositions);
    }

    public string Name { get; }
    public string Model { get; }
    public JudgeCounters Counters { get; } = new();

    public Task<JudgeVerdict> JudgeAsync(JudgeRequest request, CancellationToken cancellationToken) =>
        OrderedJudgement.BothOrdersAsync(request, _margin, Counters,
            (context, first, second, ct) => Task.Run(() => FirstIsBetter(_prompt.Render(context, first, second)), ct), cancellationToken);

    /// <summary>P(the response shown first is better) for one rendered prompt, or an abstention if it does not fit the model.</summary>
    public JudgeVerdict FirstIsBetter(string prompt) => FirstIsBetter(_tokenizer.Encode(prompt));

    /// <summary>The same for a prompt already encoded (e.g. wrapped in a chat template).</summary>
    public JudgeVerdict FirstIsBetter(int[] tokens)
    {
        if (tokens.Length == 0 || tokens.Length > _model.Config.MaxPositions)
            return JudgeVerdict.Abstain(AbstentionReason.CallFailed, $"the prompt is {tokens.Length} tokens; the model takes 1..{_model.Config.MaxPositions}");
        lock (_lock)
        {
            Counters.CountCall();
            var logits = _model.Prefill(_cache, [tokens]);  // (1, V)
            return JudgeVerdict.Label(PreferenceAnswer.FirstOfTwo(LogSumExp(logits, _ones), LogSumExp(logits, _twos)));
        }
    }

    /// <summary>The vocabulary ids below <paramref name="V"/> that decode to <paramref name="digit"/> once trimmed.</summary>
    public static int[] Spelling(BpeTokenizer tokenizer, int V, string digit)
    {
        var ids = Enumerable.Range(0, Math.Min(V, tokenizer.VocabSize)).Where(id => !tokenizer.IsSpecial(id) && tokenizer.Decode([id]).Trim() == digit).ToArray();
        return ids.Length > 0 ? ids : throw new ArgumentException($"the tokenizer has no token for \"{digit}\"; a model judge reads the logits of \"1\" and \"2\"", nameof(tokenizer));
    }

    private static double LogSumExp(ReadOnlySpan<float> logits, int[] ids)
    {
        var max = double.NegativeInfinity;
        foreach (var id in ids) max = Math.Max(max, logits[id]);
        var sum = 0.0;
        foreach (var id in ids) sum += Math.Exp(logits[id] - max);
        return max + Math.Log(sum);
    }
}

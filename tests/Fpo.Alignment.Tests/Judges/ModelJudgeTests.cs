using Fpo.Alignment.Judges;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;

namespace Fpo.Alignment.Tests.Judges;

/// <summary>
/// The in-process judge against the model's logits computed directly (the training forward pass over the whole
/// prompt, a different code path from the judge's KV-cache prefill): P(first) = softmax over the summed probabilities
/// of the "1" and "2" spellings at the last position. Tolerance 1e-4 absolute (float logits from two kernels).
/// </summary>
public sealed class ModelJudgeTests
{
    private static readonly BpeTokenizer Tokenizer =
        BpeTrainer.Train(Enumerable.Range(0, 200).Select(i => $"Response {i % 3}: the cat {i % 11} sat. "), 300, ["<|endoftext|>"]);

    private static readonly RlaifPrompt Short = new() { Preamble = "Better?" };

    private static TransformerModel Model() => new(ModelConfig.CreateGpt2(Tokenizer.VocabSize, maxPositions: 256, layers: 2, channels: 32, heads: 4), seed: 3);

    private static double Direct(TransformerModel model, string prompt)
    {
        var tokens = Tokenizer.Encode(prompt);
        var T = tokens.Length;
        var V = model.Config.VocabSize;
        model.Forward(tokens, 1, T);
        var last = model.Logits.Slice((T - 1) * V, V).ToArray();  // (V)
        double Mass(string digit) => ModelJudge.Spelling(Tokenizer, V, digit).Sum(id => Math.Exp(last[id]));
        return Mass("1") / (Mass("1") + Mass("2"));
    }

    [Fact]
    public async Task BothOrdersMatchTheModelsOwnLogits()
    {
        var judge = new ModelJudge(Model(), Tokenizer, "tiny", Short, margin: 0);
        var reference = Model();
        var request = new JudgeRequest("the cat", "sat on the mat.", "3 dogs");
        var verdict = await judge.JudgeAsync(request, TestContext.Current.CancellationToken);
        var aFirst = Direct(reference, Short.Render(request.Context, request.ResponseA, request.ResponseB));
        var aSecond = 1 - Direct(reference, Short.Render(request.Context, request.ResponseB, request.ResponseA));
        Assert.Equal(aFirst, verdict.AFirst!.Value, 1e-4);
        Assert.Equal(aSecond, verdict.ASecond!.Value, 1e-4);
        Assert.Equal((aFirst + aSecond) / 2, verdict.ProbabilityA!.Value, 1e-4);
        Assert.Equal(2, judge.Counters.Calls);
        Assert.Equal(1, judge.Counters.PositionConsistent + judge.Counters.PositionInconsistent);
    }

    [Fact]
    public async Task APromptLongerThanTheModelAbstains()
    {
        var judge = new ModelJudge(Model(), Tokenizer, "tiny", Short);
        var verdict = await judge.JudgeAsync(new JudgeRequest(string.Concat(Enumerable.Repeat("the cat sat. ", 100)), "a", "b"), TestContext.Current.CancellationToken);
        Assert.Equal(AbstentionReason.CallFailed, verdict.Abstention);
        Assert.Contains("the model takes 1..256", verdict.Detail);
    }
}

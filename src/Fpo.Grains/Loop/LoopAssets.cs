using Fpo.Alignment.Judges;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Loop;

/// <summary>
/// What a loop runs on: the initial policy (also the frozen reference), its tokenizer, the SAE and its folder (FPO's
/// constraint, the feature statistics and the drift; optional for the other methods), the judge that labels training
/// pairs, and the training and held-out prompts. <see cref="EvaluationJudge"/> scores snapshots against the reference
/// on the held-out prompts; it should be another judge than the training one, whose quirks the policy learns (null: the
/// training judge, and every evaluation then says so). <see cref="EncodePrompt"/> turns a prompt into the token ids the policy expects (e.g. the built-in
/// task's policy wants &lt;|endoftext|&gt; first, as every document it was trained on starts); null means
/// <c>Tokenizer.Encode</c>.
/// </summary>
public sealed record LoopAssets(
    TransformerModel InitialPolicy,
    BpeTokenizer Tokenizer,
    SaeWeights? Sae,
    string? SaeDir,
    IJudge Judge,
    IReadOnlyList<string> TrainPrompts,
    IReadOnlyList<string> HeldOutPrompts,
    Func<string, int[]>? EncodePrompt = null,
    IJudge? EvaluationJudge = null)
{
    /// <summary>The judge the evaluator scores snapshots with.</summary>
    public IJudge EvaluatorJudge => EvaluationJudge ?? Judge;

    /// <summary>The prompt encoding the grains use.</summary>
    public Func<string, int[]> PromptEncoder => EncodePrompt ?? (text => Tokenizer.Encode(text));
}

using Fpo.Alignment.Judges;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Loop;

/// <summary>
/// What a loop runs on: the initial policy (also the frozen reference), its tokenizer, the SAE and its folder (FPO's
/// constraint, the feature statistics and the drift; optional for the other methods), the judge, and the training and
/// held-out prompts.
/// </summary>
public sealed record LoopAssets(
    TransformerModel InitialPolicy,
    BpeTokenizer Tokenizer,
    SaeWeights? Sae,
    string? SaeDir,
    IJudge Judge,
    IReadOnlyList<string> TrainPrompts,
    IReadOnlyList<string> HeldOutPrompts);

using Fpo.Alignment.Preferences;
using Fpo.Alignment.Judges.Constitution;
using Fpo.Alignment.Training;
using Fpo.Grains.Loop;
using Fpo.Grains.Roles;
using Fpo.Models.Tokenization;
using Fpo.Models.Transformer;
using Fpo.Sae;

namespace Fpo.Grains.Tests;

/// <summary>
/// A loop small enough for a test: a random 2-layer GPT-2 on a 300-token BPE, a random ReLU SAE at layer 1, and a
/// constitution judge that prefers responses of at most one word, a preference a policy can learn in a few dozen steps
/// (emit punctuation, spaces or end-of-text instead of words).
/// </summary>
internal static class TinyLoop
{
    public static BpeTokenizer Tokenizer { get; } =
        BpeTrainer.Train(Enumerable.Range(0, 300).Select(i => $"the cat {i % 11} sat on the mat with {i % 7} dogs. "), 300, ["<|endoftext|>"]);

    public static readonly string[] Words = ["the cat", "a dog", "on the mat", "with dogs", "sat", "the", "cat 3", "mat 5"];

    public static ConstitutionJudge Judge() =>
        new([new Principle("short", 1, new LengthWindowScore(0, 1))], temperature: 0.1, margin: 0.05, name: "short");

    /// <summary>The assets; <paramref name="policySeed"/> gives another initial policy with the same SAE.</summary>
    public static LoopAssets Assets(int seed = 1, int? policySeed = null)
    {
        var config = ModelConfig.CreateGpt2(Tokenizer.VocabSize, 64, layers: 2, channels: 32, heads: 4);
        var policy = new TransformerModel(config, policySeed ?? seed);
        var sae = new SaeWeights(new SaeConfig { Architecture = SaeArchitecture.ReLU, InputSize = 32, Latents = 64, Layer = 1 });
        var random = new Random(seed);
        for (var i = 0; i < sae.EncoderWeight.Length; i++) sae.EncoderWeight[i] = (float)(random.NextDouble() * 2 - 1) * 0.3f;
        for (var i = 0; i < sae.DecoderWeight.Length; i++) sae.DecoderWeight[i] = (float)(random.NextDouble() * 2 - 1) * 0.3f;
        var train = Enumerable.Range(0, 64).Select(i => $"{Words[i % Words.Length]} {i}").ToList();
        var heldOut = Enumerable.Range(0, 64).Select(i => $"{Words[(i + 3) % Words.Length]} {100 + i}").ToList();
        return new LoopAssets(policy, Tokenizer, sae, "tiny-sae", Judge(), train, heldOut);
    }

    /// <summary>
    /// A judged pair on the tiny tokenizer ("the cat" → " sat." over " sat on the mat with dogs"); <paramref name="rejectedTail"/>
    /// is appended to the rejected tokens only, so pairs that must differ for the trainer can.
    /// </summary>
    public static PreferencePair Preference(string id, long version = 0, string rejectedTail = "") => new()
    {
        Id = id,
        Prompt = "the cat",
        Chosen = " sat.",
        Rejected = " sat on the mat with dogs",
        PromptTokens = Tokenizer.Encode("the cat"),
        ChosenTokens = Tokenizer.Encode(" sat."),
        RejectedTokens = Tokenizer.Encode(" sat on the mat with dogs" + rejectedTail),
        Label = 0.9,
        PolicyVersion = version,
    };

    public static LoopSettings Settings(int maxSnapshots, string method = "fpo") => new()
    {
        Rollout = new RolloutSettings { BatchPrompts = 8, MaxNewTokens = 8 },
        Trainer = new TrainerSettings
        {
            Training = new PreferenceTrainingSettings { Method = method, LearningRate = 1e-2f, Schedule = "constant", BatchSize = 8 },
            SnapshotEvery = 2,
            MaxPolicyLag = 3,
            BatchWait = TimeSpan.FromSeconds(1),
        },
        Evaluator = new EvaluatorSettings { MaxNewTokens = 8, DriftTopK = 8 },
        MaxInFlight = 32,
        MaxSnapshots = maxSnapshots,
    };
}

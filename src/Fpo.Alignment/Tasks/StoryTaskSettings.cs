using Fpo.Models.Training;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Everything the built-in story task's preparation depends on: the corpus and prompts, the tokenizer, the base
/// policy's shape and pre-training, and the SAE. Each stage's cache key holds the settings it reads (and its inputs'
/// keys), so changing one rebuilds that stage and those after it, never the ones before.
/// </summary>
public sealed record StoryTaskSettings
{
    public StoryGeneratorSettings Generator { get; init; } = new();

    /// <summary>Generated documents the tokenizer and the base policy learn from.</summary>
    public int CorpusSamples { get; init; } = 20_000;

    /// <summary>Prompts the loop rolls out on, and the held-out prompts it is evaluated on (disjoint, and the held-out
    /// openings never occur in the corpus).</summary>
    public int TrainPrompts { get; init; } = 4_000;
    public int HeldOutPrompts { get; init; } = 128;

    /// <summary>BPE vocabulary including &lt;|endoftext|&gt;.</summary>
    public int VocabSize { get; init; } = 1024;

    /// <summary>GPT-2 shape of the base policy; its positions equal the pre-training sequence length, so generation
    /// never reaches an untrained position.</summary>
    public int Layers { get; init; } = 4;
    public int Channels { get; init; } = 128;
    public int Heads { get; init; } = 4;

    /// <summary>Pre-training on whole documents (CheckpointEvery is unused: an interrupted stage is redone). The base
    /// policy learns the templates within ~300 steps; carrying the prompt's names through the story emerges later, from
    /// ~750 steps at this batch, and is what the most steps buy (bench/story_task.cs measures it).</summary>
    public PretrainSettings Pretrain { get; init; } = new()
    {
        Steps = 1200, BatchSize = 16, SequenceLength = 128, LearningRate = 3e-3f, WarmupSteps = 30, EvalEvery = 200,
    };

    /// <summary>The SAE reads resid_post of this block (a middle one: the loop's feature divergence is measured there).</summary>
    public int SaeLayer { get; init; } = 1;
    public int SaeLatents { get; init; } = 1024;
    public int SaeK { get; init; } = 16;
    public long SaeTokens { get; init; } = 131_072;
    public int SaeBatchSize { get; init; } = 512;
    public float SaeLearningRate { get; init; } = 1e-3f;

    /// <summary>The real task: preparation within about six minutes on 2 cores.</summary>
    public static StoryTaskSettings Default { get; } = new();

    /// <summary>For tests: the whole preparation in seconds.</summary>
    public static StoryTaskSettings Tiny { get; } = new()
    {
        CorpusSamples = 1_500, TrainPrompts = 64, HeldOutPrompts = 16, VocabSize = 512, Layers = 2, Channels = 64, Heads = 2,
        Pretrain = new PretrainSettings { Steps = 40, BatchSize = 8, SequenceLength = 128, LearningRate = 3e-3f, WarmupSteps = 5, CheckpointEvery = 1000, EvalEvery = 20, EvalBatches = 2 },
        SaeLayer = 0, SaeLatents = 256, SaeK = 8, SaeTokens = 8_192, SaeBatchSize = 256,
    };

    /// <summary>Rejects settings that cannot prepare a task, naming the setting and the rule.</summary>
    public StoryTaskSettings Validate()
    {
        Generator.Validate();
        Pretrain.Validate();
        Require(CorpusSamples >= 1, $"corpus samples must be at least 1 (got {CorpusSamples})");
        Require(TrainPrompts >= 1 && HeldOutPrompts >= 1, $"train and held-out prompts must be at least 1 (got {TrainPrompts} and {HeldOutPrompts})");
        Require(VocabSize >= 257, $"vocabulary size must be at least 257 (256 bytes and <|endoftext|>; got {VocabSize})");
        Require(Layers >= 1 && Channels >= 1 && Heads >= 1 && Channels % Heads == 0,
            $"model shape needs layers, channels, heads >= 1 and channels divisible by heads (got L={Layers} C={Channels} NH={Heads})");
        Require(SaeLayer >= 0 && SaeLayer < Layers, $"SAE layer {SaeLayer} is outside the model's layers 0..{Layers - 1}");
        Require(SaeK >= 1 && SaeK <= SaeLatents, $"SAE k {SaeK} must be in [1, latents {SaeLatents}]");
        Require(SaeTokens >= SaeBatchSize && SaeBatchSize >= 1, $"SAE tokens ({SaeTokens}) must be at least one batch of {SaeBatchSize}");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"story task settings: {message}");
    }
}

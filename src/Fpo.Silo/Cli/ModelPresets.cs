using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;

namespace Fpo.Silo.Cli;

/// <summary>Named model shapes for `pretrain --config`, or a Hugging Face config.json.</summary>
public static class ModelPresets
{
    private static readonly Dictionary<string, (int Layers, int Channels, int Heads)> Shapes = new()
    {
        ["nano"] = (2, 128, 4),
        ["tiny"] = (4, 256, 4),
        ["small"] = (6, 384, 6),
        ["gpt2-small"] = (12, 768, 12),
    };

    public static IEnumerable<string> Names => Shapes.Keys;

    public static ModelConfig Resolve(string nameOrPath, string family, int vocabSize, int sequenceLength)
    {
        if (Shapes.TryGetValue(nameOrPath, out var s))
        {
            // Positions cover at least the training length and leave room to generate past it.
            var positions = Math.Max(1024, sequenceLength);
            return family switch
            {
                ModelConfig.Gpt2 => ModelConfig.CreateGpt2(vocabSize, positions, s.Layers, s.Channels, s.Heads),
                ModelConfig.Llama => new ModelConfig
                {
                    Family = ModelConfig.Llama, VocabSize = vocabSize, MaxPositions = positions, Layers = s.Layers,
                    Channels = s.Channels, Heads = s.Heads, KvHeads = Math.Max(1, s.Heads / 2),
                    HiddenSize = LlamaHidden(s.Channels), NormEps = 1e-5f, QkvBias = false, TiedEmbeddings = true,
                }.Validate(),
                _ => throw new CliException($"--family must be gpt2 or llama (got '{family}')"),
            };
        }
        if (!File.Exists(nameOrPath))
            throw new CliException($"--config '{nameOrPath}' is neither a preset ({string.Join(", ", Names)}) nor an existing config.json");
        return (HuggingFaceConfig.Read(nameOrPath) with { VocabSize = vocabSize }).Validate();
    }

    // Llama's MLP width: 2/3 of 4C rounded up to a multiple of 32, keeping parameters close to GPT-2's 4C.
    private static int LlamaHidden(int channels) => (8 * channels / 3 + 31) / 32 * 32;
}

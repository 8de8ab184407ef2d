using System.Text;
using System.Text.Json.Nodes;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Testing.Fuzzing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>
/// Mutates the config.json (or the shard index) of small saved models with a fixed seed, blindly (bytes) and
/// structurally (values of other types, hostile numbers, deleted, added and duplicated keys, deep nesting), then loads
/// the folder. Every case must either load the same token embedding, or throw <see cref="InvalidDataException"/> or
/// <see cref="FileNotFoundException"/> naming config.json or the index, or <see cref="SafetensorsFormatException"/>
/// naming a weights file (the config no longer matches the weights): no other exception, no case slower than a bound,
/// and no allocation beyond a bound, so a config that claims a huge model is refused before its parameters are allocated.
/// </summary>
public sealed class HuggingFaceConfigFuzzTests : IDisposable
{
    private const int Seed = 20261124;
    private const int Cases = 6_000;
    // A mutated but valid config may ask for up to 2^20 positions, whose RoPE table (2^20 x HS floats, HS <= 4 here) the
    // model must allocate; everything beyond that would be allocation the weights do not justify.
    private const long MaxAllocatedBytesPerCase = 64 << 20;
    private const long MaxMillisecondsPerCase = 2_000;

    private static readonly Type[] UserFacing = [typeof(InvalidDataException), typeof(FileNotFoundException), typeof(SafetensorsFormatException)];

    private static readonly JsonMutator Json = new(
    [
        "gpt2", "llama", "qwen2", "bert", HuggingFaceConfig.Gpt2Architecture, HuggingFaceConfig.LlamaArchitecture,
        HuggingFaceConfig.Qwen2Architecture, "BertForMaskedLM", "gelu_new", "gelu_pytorch_tanh", "gelu", "silu", "float32",
        "architectures", "model_type", "vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "n_inner",
        "activation_function", "layer_norm_epsilon", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "rope_theta",
        "hidden_act", "tie_word_embeddings", "attention_bias", "mlp_bias", "rope_scaling", "head_dim", "weight_map",
        "metadata", "model.norm.weight", "lm_head.weight", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
        "../model.safetensors", "", "config.json",
    ]);

    private readonly TempDirectory _dir = TempDirectory.InMemory();

    public void Dispose() => _dir.Dispose();

    // Index is the text of model.safetensors.index.json for the sharded base, null for the others.
    private sealed record Base(string Dir, string Config, string? Index, float[] Wte);

    public static TransformerModel[] SmallModels() =>
    [
        new(ModelConfig.CreateGpt2(vocabSize: 13, maxPositions: 8, layers: 2, channels: 8, heads: 2), seed: 1),
        new(new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = 13, MaxPositions = 16, Layers = 2, Channels = 8, Heads = 4, KvHeads = 2,
            HiddenSize = 12, NormEps = 1e-6f, RopeTheta = 5000f, QkvBias = true, TiedEmbeddings = false,
        }, seed: 2),
        new(new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = 11, MaxPositions = 16, Layers = 1, Channels = 8, Heads = 2, KvHeads = 2,
            HiddenSize = 16, NormEps = 1e-5f, QkvBias = false, TiedEmbeddings = true,
        }, seed: 3),
    ];

    [Fact(Timeout = 120_000)]
    public async Task MutatedConfigsLoadOrNameTheFile()
    {
        var models = SmallModels();
        var bases = models.Select((model, k) =>
        {
            var dir = Path.Combine(_dir.Path, $"model{k}");
            HuggingFaceCheckpoint.Save(dir, model);
            return new Base(dir, File.ReadAllText(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile)), null, Wte(model));
        }).Append(Sharded(models[1])).ToArray();

        await FuzzTally.RunAndReport(Cases, Seed, "loaded", () => Run(bases));
    }

    private static FuzzTally Run(Base[] bases)
    {
        var random = new Random(Seed);
        var tally = new FuzzTally();
        for (var i = 0; i < Cases; i++)
        {
            var source = bases[random.Next(bases.Length)];
            var mutateIndex = source.Index is not null && random.Next(2) == 0;
            var (text, kind) = Mutate(random, mutateIndex ? source.Index! : source.Config);
            var configPath = Path.Combine(source.Dir, HuggingFaceCheckpoint.ConfigFile);
            var indexPath = Path.Combine(source.Dir, HuggingFaceCheckpoint.IndexFile);
            File.WriteAllText(configPath, mutateIndex ? source.Config : text);
            if (source.Index is not null) File.WriteAllText(indexPath, mutateIndex ? text : source.Index);
            string Describe() => $"case {i} (seed {Seed}, {kind}, {(mutateIndex ? "index" : "config.json")}: {text[..Math.Min(text.Length, 4000)]})";
            var thrown = FuzzCase.Run(() =>
            {
                var (config, model) = HuggingFaceCheckpoint.Load(source.Dir);
                if (!Wte(model).SequenceEqual(source.Wte))
                    Assert.Fail($"{Describe()} loaded {config}, but not the saved token embedding");
            }, MaxMillisecondsPerCase, MaxAllocatedBytesPerCase, Describe);
            if (thrown is not null)
                FuzzCase.AssertUserFacing(thrown, UserFacing, [configPath, indexPath, .. Directory.GetFiles(source.Dir, "*.safetensors")], Describe);
            tally.Add(kind, thrown is null);
        }
        return tally;
    }

    private static float[] Wte(TransformerModel model) => model.Layout.Wte.In(model.Parameters).ToArray();

    // The model in two shards listed by model.safetensors.index.json.
    private Base Sharded(TransformerModel model)
    {
        var dir = Path.Combine(_dir.Path, "sharded");
        HuggingFaceCheckpoint.Save(dir, model);
        var map = ShardedCheckpoint.Split(dir);
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 1234 }, ["weight_map"] = map }.ToJsonString();
        return new Base(dir, File.ReadAllText(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile)), index, Wte(model));
    }

    private static (string Text, string Kind) Mutate(Random random, string json)
    {
        if (random.Next(4) != 0) return Json.Mutate(random, json);
        var (bytes, kind) = ByteMutator.Mutate(random, Encoding.UTF8.GetBytes(json));
        return (Encoding.UTF8.GetString(bytes), kind);
    }
}

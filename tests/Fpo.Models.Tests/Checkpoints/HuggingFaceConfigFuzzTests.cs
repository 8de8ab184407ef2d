using System.Diagnostics;
using System.Text;
using Fpo.Models.Checkpoints;
using Fpo.Models.Transformer;
using Fpo.Testing.Fuzzing;

namespace Fpo.Models.Tests.Checkpoints;

/// <summary>
/// Mutates the config.json of small saved models with a fixed seed, blindly (bytes) and structurally (values of
/// other types, hostile numbers, deleted, added and duplicated keys, deep nesting), then loads the folder. Every case
/// must either load the same token embedding, or throw <see cref="InvalidDataException"/> naming config.json or
/// <see cref="SafetensorsFormatException"/> naming model.safetensors (the config no longer matches the weights): no
/// other exception, no case slower than a bound, and no allocation beyond a bound, so a config that claims a huge
/// model is refused before its parameters are allocated.
/// </summary>
public sealed class HuggingFaceConfigFuzzTests : IDisposable
{
    private const int Seed = 20261124;
    private const int Cases = 6_000;
    private const long MaxAllocatedBytesPerCase = 64 << 20;
    private const long MaxMillisecondsPerCase = 2_000;

    private static readonly Type[] UserFacing = [typeof(InvalidDataException), typeof(SafetensorsFormatException)];

    private static readonly JsonMutator Json = new(
    [
        "gpt2", "llama", "qwen2", "bert", HuggingFaceConfig.Gpt2Architecture, HuggingFaceConfig.LlamaArchitecture,
        HuggingFaceConfig.Qwen2Architecture, "BertForMaskedLM", "gelu_new", "gelu_pytorch_tanh", "gelu", "silu", "float32",
        "architectures", "model_type", "vocab_size", "n_positions", "n_embd", "n_layer", "n_head", "n_inner",
        "activation_function", "layer_norm_epsilon", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "rope_theta",
        "hidden_act", "tie_word_embeddings", "attention_bias", "mlp_bias", "rope_scaling", "head_dim",
    ]);

    private readonly TempDirectory _dir = TempDirectory.InMemory();

    public void Dispose() => _dir.Dispose();

    private sealed record Base(string Dir, string Config, float[] Wte);

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
        var bases = SmallModels().Select((model, k) =>
        {
            var dir = Path.Combine(_dir.Path, $"model{k}");
            HuggingFaceCheckpoint.Save(dir, model);
            return new Base(dir, File.ReadAllText(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile)), model.Layout.Wte.In(model.Parameters).ToArray());
        }).ToArray();

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var tally = await Task.Run(() => Run(bases), TestContext.Current.CancellationToken);
        var log = TestContext.Current.TestOutputHelper;
        log?.WriteLine($"{Cases} cases (seed {Seed}): {tally.Loaded} loaded, {tally.Refused} refused; " +
            $"{wall.ElapsedMilliseconds} ms wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:F0} ms cpu");
        foreach (var line in tally.Lines()) log?.WriteLine(line);
        tally.AssertReachesBothOutcomes(Cases);
    }

    private static FuzzTally Run(Base[] bases)
    {
        var random = new Random(Seed);
        var tally = new FuzzTally();
        for (var i = 0; i < Cases; i++)
        {
            var source = bases[random.Next(bases.Length)];
            var (text, kind) = Mutate(random, source.Config);
            var configPath = Path.Combine(source.Dir, HuggingFaceCheckpoint.ConfigFile);
            File.WriteAllText(configPath, text);
            string Describe() => $"case {i} (seed {Seed}, {kind}, config.json: {text[..Math.Min(text.Length, 4000)]})";
            var thrown = FuzzCase.Run(() =>
            {
                var (config, model) = HuggingFaceCheckpoint.Load(source.Dir);
                if (!model.Layout.Wte.In(model.Parameters).SequenceEqual(source.Wte))
                    Assert.Fail($"{Describe()} loaded {config}, but not the saved token embedding");
            }, MaxMillisecondsPerCase, MaxAllocatedBytesPerCase, Describe);
            if (thrown is not null)
                FuzzCase.AssertUserFacing(thrown, UserFacing, [configPath, Path.Combine(source.Dir, HuggingFaceCheckpoint.WeightsFile)], Describe);
            tally.Add(kind, thrown is null);
        }
        return tally;
    }

    private static (string Text, string Kind) Mutate(Random random, string json)
    {
        if (random.Next(4) != 0) return Json.Mutate(random, json);
        var (bytes, kind) = ByteMutator.Mutate(random, Encoding.UTF8.GetBytes(json));
        return (Encoding.UTF8.GetString(bytes), kind);
    }
}

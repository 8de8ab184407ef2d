using System.Text.Json;
using System.Text.Json.Nodes;
using Fpo.Models.Transformer;

namespace Fpo.Models.Checkpoints;

/// <summary>Reads and writes Hugging Face config.json for GPT2LMHeadModel, LlamaForCausalLM and Qwen2ForCausalLM.</summary>
public static class HuggingFaceConfig
{
    public const string Gpt2Architecture = "GPT2LMHeadModel";
    public const string LlamaArchitecture = "LlamaForCausalLM";
    public const string Qwen2Architecture = "Qwen2ForCausalLM";

    // Size bounds far above any released model of these families (Qwen2.5-1M has 1,010,000 positions), so that a
    // damaged or hostile config is refused by name before anything is allocated or any size product can overflow.
    public const int MaxVocabSize = 1 << 22;
    public const int MaxChannels = 1 << 16;
    public const int MaxHiddenSize = 1 << 20;
    public const int MaxLayers = 1 << 10;
    public const int MaxHeads = 1 << 12;
    public const int MaxPositions = 1 << 20;

    /// <summary>Parses config.json; errors name the file and the field.</summary>
    public static ModelConfig Read(string path)
    {
        var json = Parse(path);
        var reader = new Fields(path, json);
        var architecture = reader.FirstArchitecture()
            ?? reader.String("model_type", null) switch
            {
                "gpt2" => Gpt2Architecture,
                "llama" => LlamaArchitecture,
                "qwen2" => Qwen2Architecture,
                var other => throw new InvalidDataException($"{path}: no 'architectures' and model_type '{other}' is not supported (gpt2, llama, qwen2)"),
            };
        try
        {
            var config = architecture switch
            {
                Gpt2Architecture => Gpt2(reader),
                LlamaArchitecture or Qwen2Architecture => Llama(reader, architecture == Qwen2Architecture),
                _ => throw new InvalidDataException($"{path}: architecture '{architecture}' is not supported ({Gpt2Architecture}, {LlamaArchitecture}, {Qwen2Architecture})"),
            };
            // Sizes within the bounds can still multiply to more parameters than one float[] holds; refuse that here.
            _ = new ParameterTensors(config);
            return config;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static JsonObject Parse(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            using (var doc = JsonDocument.Parse(text))
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException($"{path}: the top level is a JSON {doc.RootElement.ValueKind}, expected an object");
                if (JsonStrings.FindInvalid(doc.RootElement) is { } bad)
                    throw new InvalidDataException($"{path}: {bad} has an unpaired UTF-16 surrogate escape such as \\ud800");
                // A key given twice would mean different models to different readers, so it is an error, not last-wins.
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var p in doc.RootElement.EnumerateObject())
                    if (!seen.Add(p.Name)) throw new InvalidDataException($"{path}: field '{p.Name}' appears twice");
            }
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false })!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The config.json Hugging Face writes for this model: GPT-2, or Llama, or Qwen2 when q/k/v have biases.</summary>
    public static string Write(ModelConfig c)
    {
        JsonObject json;
        if (c.IsGpt2)
        {
            json = new JsonObject
            {
                ["architectures"] = new JsonArray(Gpt2Architecture), ["model_type"] = "gpt2",
                ["vocab_size"] = c.VocabSize, ["n_positions"] = c.MaxPositions, ["n_ctx"] = c.MaxPositions,
                ["n_embd"] = c.Channels, ["n_layer"] = c.Layers, ["n_head"] = c.Heads,
                ["n_inner"] = c.HiddenSize == 4 * c.Channels ? null : c.HiddenSize,
                ["activation_function"] = "gelu_new", ["layer_norm_epsilon"] = c.NormEps, ["tie_word_embeddings"] = true,
            };
        }
        else
        {
            json = new JsonObject
            {
                ["architectures"] = new JsonArray(c.QkvBias ? Qwen2Architecture : LlamaArchitecture),
                ["model_type"] = c.QkvBias ? "qwen2" : "llama",
                ["vocab_size"] = c.VocabSize, ["hidden_size"] = c.Channels, ["intermediate_size"] = c.HiddenSize,
                ["num_hidden_layers"] = c.Layers, ["num_attention_heads"] = c.Heads, ["num_key_value_heads"] = c.KvHeads,
                ["max_position_embeddings"] = c.MaxPositions, ["rms_norm_eps"] = c.NormEps, ["rope_theta"] = c.RopeTheta,
                ["hidden_act"] = "silu", ["tie_word_embeddings"] = c.TiedEmbeddings,
            };
            if (!c.QkvBias) json["attention_bias"] = false;
        }
        json["torch_dtype"] = "float32";
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static ModelConfig Gpt2(Fields f)
    {
        var activation = f.String("activation_function", "gelu_new");
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh"))
            throw f.Error("activation_function", $"is '{activation}'; GPT-2 here uses the tanh GELU (gelu_new)");
        var channels = f.Size("n_embd", null, MaxChannels);
        return new ModelConfig
        {
            Family = ModelConfig.Gpt2, VocabSize = f.Size("vocab_size", null, MaxVocabSize), MaxPositions = f.Size("n_positions", null, MaxPositions),
            Layers = f.Size("n_layer", null, MaxLayers), Channels = channels, Heads = f.Size("n_head", null, MaxHeads), KvHeads = f.Size("n_head", null, MaxHeads),
            HiddenSize = f.Size("n_inner", 4 * channels, MaxHiddenSize), NormEps = f.Float("layer_norm_epsilon", 1e-5f),
            QkvBias = true, TiedEmbeddings = true,
        }.Validate();
    }

    private static ModelConfig Llama(Fields f, bool qwen2)
    {
        if (!qwen2 && f.Bool("attention_bias", false))
            throw f.Error("attention_bias", "is true: Llama's o_proj bias is not supported (q/k/v-only biases are, as Qwen2ForCausalLM)");
        if (f.Bool("mlp_bias", false)) throw f.Error("mlp_bias", "is true: MLP biases are not supported");
        if (f.Has("rope_scaling")) throw f.Error("rope_scaling", "is set: scaled RoPE is not supported");
        var activation = f.String("hidden_act", "silu");
        if (activation != "silu") throw f.Error("hidden_act", $"is '{activation}'; only silu (SwiGLU) is supported");
        int channels = f.Size("hidden_size", null, MaxChannels), heads = f.Size("num_attention_heads", null, MaxHeads);
        if (f.Has("head_dim") && f.Int("head_dim", null) != channels / heads)
            throw f.Error("head_dim", $"is {f.Int("head_dim", null)}; only hidden_size / num_attention_heads = {channels / heads} is supported");
        return new ModelConfig
        {
            Family = ModelConfig.Llama, VocabSize = f.Size("vocab_size", null, MaxVocabSize),
            MaxPositions = f.Size("max_position_embeddings", null, MaxPositions), Layers = f.Size("num_hidden_layers", null, MaxLayers),
            Channels = channels, Heads = heads, KvHeads = f.Size("num_key_value_heads", heads, MaxHeads),
            HiddenSize = f.Size("intermediate_size", null, MaxHiddenSize),
            NormEps = f.Float("rms_norm_eps", 1e-6f), RopeTheta = f.Float("rope_theta", 10000f),
            QkvBias = qwen2, TiedEmbeddings = f.Bool("tie_word_embeddings", false),
        }.Validate();
    }

    // Typed access to config.json fields; a null default means the field is required.
    private sealed class Fields(string path, JsonObject json)
    {
        public bool Has(string name) => json[name] is not null;

        /// <summary>The first of "architectures", or null when the list is missing or empty.</summary>
        public string? FirstArchitecture() => json["architectures"] switch
        {
            null or JsonArray { Count: 0 } => null,
            JsonArray list when list[0] is JsonValue v && v.TryGetValue<string>(out var name) => name,
            var other => throw Error("architectures", $"is {other.ToJsonString()}, expected a list of class names like [\"{LlamaArchitecture}\"]"),
        };

        public int Int(string name, int? fallback) => Get(name, fallback, n => n.GetValue<int>(), "an integer");

        /// <summary>A dimension: an integer from 1 to <paramref name="max"/>.</summary>
        public int Size(string name, int? fallback, int max)
        {
            var value = Int(name, fallback);
            if (value < 1) throw Error(name, $"is {value}, must be positive");
            if (value > max) throw Error(name, $"is {value}; at most {max:N0} is supported");
            return value;
        }

        public float Float(string name, float? fallback) => Get(name, fallback, n => (float)n.GetValue<double>(), "a number");

        public bool Bool(string name, bool? fallback) => Get(name, fallback, n => n.GetValue<bool>(), "true or false");

        public string String(string name, string? fallback) =>
            json[name] is { } node ? Convert(name, node, n => n.GetValue<string>(), "a string")
            : fallback ?? throw Error(name, "is missing");

        public InvalidDataException Error(string name, string problem) => new($"{path}: field '{name}' {problem}");

        private T Get<T>(string name, T? fallback, Func<JsonNode, T> read, string expected) where T : struct =>
            json[name] is { } node ? Convert(name, node, read, expected) : fallback ?? throw Error(name, "is missing");

        private T Convert<T>(string name, JsonNode node, Func<JsonNode, T> read, string expected)
        {
            try
            {
                return read(node);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw Error(name, $"is {node.ToJsonString()}, expected {expected}");
            }
        }
    }
}

namespace Fpo.Models.Transformer;

/// <summary>
/// Shape and family of a decoder-only transformer. "gpt2": LayerNorm with bias, GELU-tanh MLP with biases,
/// learned positions, tied head. "llama": RMSNorm, SwiGLU MLP without biases, RoPE, grouped-query attention,
/// optional q/k/v bias (Qwen2), tied or untied head.
/// </summary>
public sealed record ModelConfig
{
    public const string Gpt2 = "gpt2";
    public const string Llama = "llama";

    public required string Family { get; init; }
    public required int VocabSize { get; init; }
    public required int MaxPositions { get; init; }
    /// <summary>L.</summary>
    public required int Layers { get; init; }
    /// <summary>C.</summary>
    public required int Channels { get; init; }
    /// <summary>NH.</summary>
    public required int Heads { get; init; }
    /// <summary>NKV; equals Heads without grouped-query attention.</summary>
    public required int KvHeads { get; init; }
    /// <summary>MLP width.</summary>
    public required int HiddenSize { get; init; }
    public required float NormEps { get; init; }
    public float RopeTheta { get; init; } = 10000f;
    public required bool QkvBias { get; init; }
    public required bool TiedEmbeddings { get; init; }

    public bool IsGpt2 => Family == Gpt2;
    /// <summary>HS.</summary>
    public int HeadSize => Channels / Heads;
    /// <summary>Width of a fused qkv row: (NH + 2*NKV) * HS.</summary>
    public int QkvChannels => (Heads + 2 * KvHeads) * HeadSize;

    /// <summary>GPT-2 family with its defaults: 4C MLP, eps 1e-5, biases, tied head.</summary>
    public static ModelConfig CreateGpt2(int vocabSize, int maxPositions, int layers, int channels, int heads) => new()
    {
        Family = Gpt2, VocabSize = vocabSize, MaxPositions = maxPositions, Layers = layers, Channels = channels,
        Heads = heads, KvHeads = heads, HiddenSize = 4 * channels, NormEps = 1e-5f, QkvBias = true, TiedEmbeddings = true,
    };

    /// <summary>Throws ArgumentException naming the first field that is out of range.</summary>
    public ModelConfig Validate()
    {
        if (Family is not (Gpt2 or Llama)) Fail($"Family is '{Family}', expected '{Gpt2}' or '{Llama}'");
        Positive(VocabSize, nameof(VocabSize));
        Positive(MaxPositions, nameof(MaxPositions));
        Positive(Layers, nameof(Layers));
        Positive(Channels, nameof(Channels));
        Positive(Heads, nameof(Heads));
        Positive(KvHeads, nameof(KvHeads));
        Positive(HiddenSize, nameof(HiddenSize));
        if (!(NormEps > 0)) Fail($"NormEps is {NormEps}, must be > 0");
        if (Channels % Heads != 0) Fail($"Channels ({Channels}) must be divisible by Heads ({Heads})");
        if (Heads % KvHeads != 0) Fail($"Heads ({Heads}) must be divisible by KvHeads ({KvHeads})");
        if (IsGpt2)
        {
            if (KvHeads != Heads) Fail($"gpt2 has no grouped-query attention: KvHeads ({KvHeads}) must equal Heads ({Heads})");
            if (!QkvBias) Fail("gpt2 always has q/k/v biases: QkvBias must be true");
            if (!TiedEmbeddings) Fail("gpt2 ties the LM head to the token embedding: TiedEmbeddings must be true");
        }
        else
        {
            if (HeadSize % 2 != 0) Fail($"RoPE needs an even head size, got {HeadSize} (Channels {Channels} / Heads {Heads})");
            if (!(RopeTheta > 0)) Fail($"RopeTheta is {RopeTheta}, must be > 0");
        }
        return this;
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) Fail($"{name} is {value}, must be positive");
    }

    private static void Fail(string message) => throw new ArgumentException($"model config: {message}");
}

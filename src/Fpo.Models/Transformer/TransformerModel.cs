using System.Numerics.Tensors;
using Fpo.Tensors;

namespace Fpo.Models.Transformer;

/// <summary>
/// A decoder-only transformer of the GPT-2 or Llama family (see <see cref="ModelConfig"/>), after llm.c:
/// parameters and gradients are one flat float[] each, named by <see cref="Layout"/>; a training forward over
/// (B,T) keeps every activation in one arena so that <see cref="Backward"/> can call the kernels in reverse.
/// Training: <c>loss = ForwardLoss(tokens, targets, B, T); ZeroGrad(); Backward();</c> then clip and step.
/// Inference: <see cref="Prefill"/> and <see cref="DecodeStep"/> with a <see cref="KvCache"/>.
/// </summary>
public sealed partial class TransformerModel
{
    public ModelConfig Config { get; }
    public ParameterTensors Layout { get; }
    /// <summary>All parameters, laid out by <see cref="Layout"/>.</summary>
    public float[] Parameters { get; }
    /// <summary>All gradients, same layout; Backward adds into them. Allocated on first use, so inference-only
    /// replicas do not pay for them.</summary>
    public float[] Gradients => _gradients ??= new float[Layout.Count];

    private readonly int L, C, NH, NKV, HS, H, V, QKV;
    private readonly RopeTable? _rope;
    private float[]? _gradients;
    private ActivationTensors? _acts;
    private int[] _tokens = [];     // (B, T) of the last training forward
    private int[] _positions = [];  // (B, T) position of each token: t
    private readonly bool[] _hookPending;    // (L) HookGrad[l] holds a gradient for the next Backward
    private bool _forwardDone;

    /// <summary>A model with all parameters zero, to be filled (e.g. by a checkpoint loader).</summary>
    public TransformerModel(ModelConfig config)
    {
        Config = config.Validate();
        Layout = new ParameterTensors(config);
        Parameters = new float[Layout.Count];
        (L, C, NH, NKV, HS, H, V, QKV) = (config.Layers, config.Channels, config.Heads, config.KvHeads, config.HeadSize,
            config.HiddenSize, config.VocabSize, config.QkvChannels);
        _hookPending = new bool[L];
        if (!config.IsGpt2) _rope = new RopeTable(config.MaxPositions, HS, config.RopeTheta);
    }

    /// <summary>A model with GPT-2 style random weights from <paramref name="seed"/>.</summary>
    public TransformerModel(ModelConfig config, int seed) : this(config) => WeightInit.Gpt2Style(this, seed);

    /// <summary>B of the last training forward (0 before any).</summary>
    public int BatchSize => _acts?.B ?? 0;
    /// <summary>T of the last training forward (0 before any).</summary>
    public int SequenceLength => _acts?.T ?? 0;

    /// <summary>(B, T, V) logits of the last training forward.</summary>
    public ReadOnlySpan<float> Logits => Acts.Logits.In(Acts.Arena);

    /// <summary>(B, T, V) gradient of the loss with respect to the logits; Backward starts from it.
    /// <see cref="CrossEntropyLoss"/> fills it; other losses may write their own.</summary>
    public Span<float> DLogits => Acts.DLogits.In(Acts.Arena);

    /// <summary>(B, T, V) softmax buffer of the last forward: <see cref="CrossEntropyLoss"/> keeps its softmax here for
    /// Backward, and other losses (the preference losses) may use it the same way instead of allocating their own.</summary>
    public Span<float> Probs => Acts.Probs.In(Acts.Arena);

    /// <summary>(B, T) per-token cross-entropy of the last <see cref="CrossEntropyLoss"/> (0 where ignored).</summary>
    public ReadOnlySpan<float> TokenLosses => Acts.Losses.In(Acts.Arena);

    /// <summary>(B, T, C) residual stream after block <paramref name="layer"/> (before the final norm) of the last forward.</summary>
    public ReadOnlySpan<float> ResidualPost(int layer)
    {
        CheckLayer(layer);
        return Acts.Blocks[layer].Residual3.In(Acts.Arena);
    }

    /// <summary>
    /// Adds <paramref name="dresid"/> (B, T, C) to the gradient of resid_post[layer] in the next <see cref="Backward"/>,
    /// as if the loss had a term whose gradient there is dresid. Several calls add up; Backward consumes them.
    /// </summary>
    public void AddResidualGradient(int layer, ReadOnlySpan<float> dresid)
    {
        CheckLayer(layer);
        var hook = Acts.HookGrad[layer].In(Acts.Arena);
        if (dresid.Length != hook.Length)
            throw new ArgumentException($"residual gradient for layer {layer} has {dresid.Length} values, expected B*T*C = {Acts.B}*{Acts.T}*{C} = {hook.Length}", nameof(dresid));
        if (_hookPending[layer]) TensorPrimitives.Add(hook, dresid, hook);
        else dresid.CopyTo(hook);
        _hookPending[layer] = true;
    }

    public void ZeroGrad() => Array.Clear(Gradients);

    private ActivationTensors Acts => _acts ?? throw new InvalidOperationException("run Forward first: the model has no activations yet");

    private void CheckLayer(int layer)
    {
        if ((uint)layer >= (uint)L) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer must be in [0, {L})");
    }

    private void CheckTokens(ReadOnlySpan<int> tokens, string what)
    {
        for (var i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)V)
                throw new ArgumentOutOfRangeException(what, $"{what}[{i}] = {tokens[i]} is not a token id in [0, {V})");
    }

    private void CheckPositions(int maxPosition, string what)
    {
        if (maxPosition >= Config.MaxPositions)
            throw new ArgumentException($"{what}: position {maxPosition} is past the model's {Config.MaxPositions} positions (MaxPositions)");
    }

    private Span<float> Par(TensorView v) => v.In(Parameters);
    private Span<float> Grad(TensorView v) => v.In(Gradients);
}

namespace Fpo.Models.Transformer;

/// <summary>One parameter tensor: its name, full shape (leading L for per-layer tensors) and place in the flat array.</summary>
public sealed record ParameterInfo(string Name, int[] Shape, TensorView View, bool PerLayer)
{
    /// <summary>Weight decay applies to matrices (embeddings, projections), not to 1-D biases and norm weights.</summary>
    public bool Decays => Shape.Length - (PerLayer ? 1 : 0) >= 2;
}

/// <summary>
/// Where each parameter lives in the one flat parameter array (the gradient array and the AdamW moments use the
/// same layout). Tensors a family does not have are empty views.
/// </summary>
public sealed class ParameterTensors
{
    public TensorView Wte { get; }       // (V, C)
    public TensorView Wpe { get; }       // (maxT, C) gpt2 only
    public TensorView Ln1w { get; }      // (L, C)
    public TensorView Ln1b { get; }      // (L, C) gpt2 only
    public TensorView Qkvw { get; }      // (L, (NH+2NKV)*HS, C) rows [q heads | k heads | v heads]
    public TensorView Qkvb { get; }      // (L, (NH+2NKV)*HS) when QkvBias
    public TensorView AttProjw { get; }  // (L, C, NH*HS)
    public TensorView AttProjb { get; }  // (L, C) gpt2 only
    public TensorView Ln2w { get; }      // (L, C)
    public TensorView Ln2b { get; }      // (L, C) gpt2 only
    public TensorView Fcw { get; }       // (L, H, C) gpt2 c_fc; llama gate_proj
    public TensorView Fcb { get; }       // (L, H) gpt2 only
    public TensorView Upw { get; }       // (L, H, C) llama only
    public TensorView FcProjw { get; }   // (L, C, H) gpt2 c_proj; llama down_proj
    public TensorView FcProjb { get; }   // (L, C) gpt2 only
    public TensorView Lnfw { get; }      // (C)
    public TensorView Lnfb { get; }      // (C) gpt2 only
    public TensorView LmHead { get; }    // (V, C) untied only; tied heads use Wte

    public IReadOnlyList<ParameterInfo> All => _all;
    public int Count { get; }

    private readonly List<ParameterInfo> _all = [];

    public ParameterTensors(ModelConfig config)
    {
        config.Validate();
        int V = config.VocabSize, C = config.Channels, L = config.Layers, H = config.HiddenSize, QKV = config.QkvChannels;
        bool gpt2 = config.IsGpt2;
        long offset = 0;
        TensorView Add(string name, bool present, bool perLayer, int[] shape)
        {
            if (!present) return new TensorView((int)offset, 0);
            long size = 1;
            foreach (var d in shape) size *= d;
            if (offset + size > Array.MaxLength)
                throw new ArgumentException($"model config: over {offset + size:N0} parameters do not fit one float[] (max {Array.MaxLength:N0})");
            var view = perLayer ? new TensorView((int)offset, (int)(size / L), L) : new TensorView((int)offset, (int)size);
            offset += size;
            _all.Add(new ParameterInfo(name, shape, view, perLayer));
            return view;
        }
        TensorView Global(string name, bool present, params int[] shape) => Add(name, present, false, shape);
        TensorView PerLayer(string name, bool present, params int[] shape) => Add(name, present, true, [L, .. shape]);
        Wte = Global("wte", true, V, C);
        Wpe = Global("wpe", gpt2, config.MaxPositions, C);
        Ln1w = PerLayer("ln1w", true, C);
        Ln1b = PerLayer("ln1b", gpt2, C);
        Qkvw = PerLayer("qkvw", true, QKV, C);
        Qkvb = PerLayer("qkvb", config.QkvBias, QKV);
        AttProjw = PerLayer("attprojw", true, C, config.Heads * config.HeadSize);
        AttProjb = PerLayer("attprojb", gpt2, C);
        Ln2w = PerLayer("ln2w", true, C);
        Ln2b = PerLayer("ln2b", gpt2, C);
        Fcw = PerLayer("fcw", true, H, C);
        Fcb = PerLayer("fcb", gpt2, H);
        Upw = PerLayer("upw", !gpt2, H, C);
        FcProjw = PerLayer("fcprojw", true, C, H);
        FcProjb = PerLayer("fcprojb", gpt2, C);
        Lnfw = Global("lnfw", true, C);
        Lnfb = Global("lnfb", gpt2, C);
        LmHead = config.TiedEmbeddings ? Wte : Global("lm_head", true, V, C);
        Count = (int)offset;
    }
}

using Fpo.Models.Transformer;

namespace Fpo.Models.Checkpoints;

/// <summary>The Hugging Face names of every parameter of our layout, per family.</summary>
public static class HuggingFaceNames
{
    /// <summary>
    /// GPT2LMHeadModel names (without the "transformer." prefix; the head is tied and has no tensor), or
    /// LlamaForCausalLM / Qwen2ForCausalLM names (lm_head.weight only when untied).
    /// </summary>
    public static IReadOnlyList<HuggingFaceTensor> For(ModelConfig config)
    {
        var P = new ParameterTensors(config);
        return config.IsGpt2 ? Gpt2(config, P) : Llama(config, P);
    }

    private static List<HuggingFaceTensor> Gpt2(ModelConfig c, ParameterTensors P)
    {
        long C = c.Channels, H = c.HiddenSize;
        var list = new List<HuggingFaceTensor>
        {
            new("wte.weight", [c.VocabSize, C], P.Wte.Offset, false),
            new("wpe.weight", [c.MaxPositions, C], P.Wpe.Offset, false),
        };
        for (var l = 0; l < c.Layers; l++)
        {
            var h = $"h.{l}.";
            list.AddRange(
            [
                new(h + "ln_1.weight", [C], P.Ln1w[l].Offset, false),
                new(h + "ln_1.bias", [C], P.Ln1b[l].Offset, false),
                new(h + "attn.c_attn.weight", [C, 3 * C], P.Qkvw[l].Offset, true),
                new(h + "attn.c_attn.bias", [3 * C], P.Qkvb[l].Offset, false),
                new(h + "attn.c_proj.weight", [C, C], P.AttProjw[l].Offset, true),
                new(h + "attn.c_proj.bias", [C], P.AttProjb[l].Offset, false),
                new(h + "ln_2.weight", [C], P.Ln2w[l].Offset, false),
                new(h + "ln_2.bias", [C], P.Ln2b[l].Offset, false),
                new(h + "mlp.c_fc.weight", [C, H], P.Fcw[l].Offset, true),
                new(h + "mlp.c_fc.bias", [H], P.Fcb[l].Offset, false),
                new(h + "mlp.c_proj.weight", [H, C], P.FcProjw[l].Offset, true),
                new(h + "mlp.c_proj.bias", [C], P.FcProjb[l].Offset, false),
            ]);
        }
        list.Add(new("ln_f.weight", [C], P.Lnfw.Offset, false));
        list.Add(new("ln_f.bias", [C], P.Lnfb.Offset, false));
        return list;
    }

    private static List<HuggingFaceTensor> Llama(ModelConfig c, ParameterTensors P)
    {
        long C = c.Channels, H = c.HiddenSize, HS = c.HeadSize, Q = c.Heads * HS, KV = c.KvHeads * HS;
        var list = new List<HuggingFaceTensor> { new("model.embed_tokens.weight", [c.VocabSize, C], P.Wte.Offset, false) };
        for (var l = 0; l < c.Layers; l++)
        {
            var h = $"model.layers.{l}.";
            // q, k and v are consecutive row blocks of the fused (Q+2KV, C) weight and its bias
            int qkvw = P.Qkvw[l].Offset, qkvb = P.Qkvb[l].Offset;
            list.Add(new(h + "input_layernorm.weight", [C], P.Ln1w[l].Offset, false));
            list.Add(new(h + "self_attn.q_proj.weight", [Q, C], qkvw, false));
            list.Add(new(h + "self_attn.k_proj.weight", [KV, C], qkvw + (int)(Q * C), false));
            list.Add(new(h + "self_attn.v_proj.weight", [KV, C], qkvw + (int)((Q + KV) * C), false));
            if (c.QkvBias)
            {
                list.Add(new(h + "self_attn.q_proj.bias", [Q], qkvb, false));
                list.Add(new(h + "self_attn.k_proj.bias", [KV], qkvb + (int)Q, false));
                list.Add(new(h + "self_attn.v_proj.bias", [KV], qkvb + (int)(Q + KV), false));
            }
            list.Add(new(h + "self_attn.o_proj.weight", [C, Q], P.AttProjw[l].Offset, false));
            list.Add(new(h + "post_attention_layernorm.weight", [C], P.Ln2w[l].Offset, false));
            list.Add(new(h + "mlp.gate_proj.weight", [H, C], P.Fcw[l].Offset, false));
            list.Add(new(h + "mlp.up_proj.weight", [H, C], P.Upw[l].Offset, false));
            list.Add(new(h + "mlp.down_proj.weight", [C, H], P.FcProjw[l].Offset, false));
        }
        list.Add(new("model.norm.weight", [C], P.Lnfw.Offset, false));
        if (!c.TiedEmbeddings) list.Add(new("lm_head.weight", [c.VocabSize, C], P.LmHead.Offset, false));
        return list;
    }
}

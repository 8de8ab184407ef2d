using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Fpo.Sae.Formats;

/// <summary>
/// SAELens cfg.json in both forms. The v6 nested form keeps model_name and hook_name in a "meta" (or "metadata")
/// object and TopK/BatchTopK's k at the top level; the older flat form has them all at the top level, with TopK as
/// architecture "standard" or "topk" plus activation_fn_str "topk" and k in activation_fn_kwargs. Only what changes
/// the SAE's function is interpreted; the rest (device, context_size, dataset_path, ...) is informational and ignored.
/// </summary>
public static partial class SaeLensConfig
{
    // Far above released SAEs (Gemma Scope 2 has d_sae = 1M); refuses damaged sizes before anything is allocated.
    public const int MaxInputSize = 1 << 16;
    public const int MaxLatents = 1 << 24;

    /// <summary>Reads cfg.json; errors name the file and the field.</summary>
    public static SaeConfig Read(string path)
    {
        var top = ConfigFields.Parse(path);
        var meta = top.Object("meta") ?? top.Object("metadata");
        var architecture = Architecture(top);
        var needsK = architecture is SaeArchitecture.TopK or SaeArchitecture.BatchTopK;
        CheckNormalisation(top);
        var (hookOwner, hookName) = meta is not null && meta.Has("hook_name") ? (meta, meta.String("hook_name", null)) : (top, top.String("hook_name", null));
        if ((meta is not null && meta.Has("hook_head_index")) || top.Has("hook_head_index"))
            throw (meta is not null && meta.Has("hook_head_index") ? meta : top).Error("hook_head_index", "is set: SAEs on one attention head are not supported");
        int dIn = Size(top, "d_in", MaxInputSize), dSae = Size(top, "d_sae", MaxLatents);
        if ((long)dIn * dSae > Array.MaxLength)
            throw top.Error("d_sae", $"is {dSae}: d_in × d_sae = {(long)dIn * dSae:N0} is more than one float[] holds");
        var k = needsK ? K(top) : 0;
        if (needsK && (k < 1 || k > dSae)) throw top.Error("k", $"is {k}; {architecture} needs k in [1, d_sae = {dSae}]");
        // dtype only says how the weights were stored; the safetensors header is authoritative and loads convert to fp32.
        _ = top.String("dtype", "float32");
        return new SaeConfig
        {
            Architecture = architecture,
            InputSize = dIn,
            Latents = dSae,
            K = k,
            ApplyDecoderBiasToInput = top.Bool("apply_b_dec_to_input", true),
            Layer = Layer(hookOwner, hookName),
            ModelName = (meta is not null && meta.Has("model_name") ? meta.OptionalString("model_name") : top.OptionalString("model_name")) ?? "",
        }.Validate();
    }

    /// <summary>
    /// The v6 nested cfg.json for <paramref name="config"/>. BatchTopK is written as "jumprelu": for inference it is
    /// a JumpReLU whose threshold is the one global threshold learned in training (SAELens does the same).
    /// </summary>
    public static string Write(SaeConfig config, string dtype = "float32")
    {
        config.Validate();
        var json = new JsonObject
        {
            ["architecture"] = config.Architecture switch
            {
                SaeArchitecture.ReLU => "standard",
                SaeArchitecture.TopK => "topk",
                _ => "jumprelu",
            },
            ["d_in"] = config.InputSize,
            ["d_sae"] = config.Latents,
            ["dtype"] = dtype,
            ["device"] = "cpu",
            ["apply_b_dec_to_input"] = config.ApplyDecoderBiasToInput,
            ["normalize_activations"] = "none",
            ["reshape_activations"] = "none",
        };
        if (config.Architecture == SaeArchitecture.TopK)
        {
            json["k"] = config.K;
            json["rescale_acts_by_decoder_norm"] = false;
        }
        json["meta"] = new JsonObject
        {
            ["model_name"] = config.ModelName,
            ["hook_name"] = HookName(config.Layer),
            ["hook_layer"] = config.Layer,
            ["hook_head_index"] = null,
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The TransformerLens hook this SAE reads: the residual stream after block <paramref name="layer"/>.</summary>
    public static string HookName(int layer) => string.Create(CultureInfo.InvariantCulture, $"blocks.{layer}.hook_resid_post");

    private static SaeArchitecture Architecture(ConfigFields top)
    {
        var name = top.String("architecture", "standard");
        var activation = top.OptionalString("activation_fn_str");
        var architecture = name switch
        {
            "standard" or "relu" => activation == "topk" ? SaeArchitecture.TopK : SaeArchitecture.ReLU,
            "topk" => SaeArchitecture.TopK,
            "batchtopk" => SaeArchitecture.BatchTopK,
            "jumprelu" => SaeArchitecture.JumpReLU,
            _ => throw top.Error("architecture", $"is '{name}'; supported: standard, relu, topk, batchtopk, jumprelu"),
        };
        if (activation is not null and not ("relu" or "topk"))
            throw top.Error("activation_fn_str", $"is '{activation}'; supported: relu, topk");
        if (top.Has("rescale_acts_by_decoder_norm") && top.Bool("rescale_acts_by_decoder_norm", null))
            throw top.Error("rescale_acts_by_decoder_norm", "is true: TopK on decoder-norm-scaled pre-activations is not supported; fold the norms into W_enc and b_enc first");
        if (top.Has("finetuning_scaling_factor") && top.Bool("finetuning_scaling_factor", null))
            throw top.Error("finetuning_scaling_factor", "is true: fold the scaling factor into W_dec first");
        return architecture;
    }

    // Only "none" describes weights that act on raw activations. A constant scale ("expected_average_only_in") must be
    // folded into the weights before export; per-token rescaling cannot be folded at all.
    private static void CheckNormalisation(ConfigFields top)
    {
        var normalisation = top.OptionalString("normalize_activations") ?? "none";
        if (normalisation == "expected_average_only_in")
            throw top.Error("normalize_activations", "is 'expected_average_only_in': fold the norm scaling factor into the weights first (SAELens fold_activation_norm_scaling_factor) so it reads 'none'");
        if (normalisation != "none")
            throw top.Error("normalize_activations", $"is '{normalisation}': per-token input normalisation cannot be folded into the weights; only 'none' is supported");
        var reshape = top.OptionalString("reshape_activations") ?? "none";
        if (reshape != "none") throw top.Error("reshape_activations", $"is '{reshape}'; only 'none' (residual-stream SAEs) is supported");
    }

    private static int K(ConfigFields top)
    {
        if (top.Has("k")) return top.Int("k", null);
        var kwargs = top.Object("activation_fn_kwargs");
        if (kwargs is not null && kwargs.Has("k")) return kwargs.Int("k", null);
        throw top.Error("k", "is missing (looked at the top level and in activation_fn_kwargs)");
    }

    private static int Size(ConfigFields f, string name, int max)
    {
        var value = f.Int(name, null);
        if (value < 1) throw f.Error(name, $"is {value}, must be positive");
        if (value > max) throw f.Error(name, $"is {value}; at most {max:N0} is supported");
        return value;
    }

    // resid_pre of block L is resid_post of block L−1; resid_pre of block 0 is the embedding output, which we do not hook.
    private static int Layer(ConfigFields owner, string hookName)
    {
        var match = HookPattern().Match(hookName);
        if (!match.Success)
            throw owner.Error("hook_name", $"is '{hookName}'; supported: blocks.L.hook_resid_post and blocks.L.hook_resid_pre (L ≥ 1)");
        if (!int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var layer) || layer > 1 << 20)
            throw owner.Error("hook_name", $"is '{hookName}': the layer number is out of range");
        if (match.Groups[2].Value == "post") return layer;
        if (layer == 0) throw owner.Error("hook_name", "is 'blocks.0.hook_resid_pre': the embedding output is not a hooked residual stream");
        return layer - 1;
    }

    [GeneratedRegex(@"^blocks\.([0-9]{1,9})\.hook_resid_(post|pre)$", RegexOptions.CultureInvariant)]
    private static partial Regex HookPattern();
}

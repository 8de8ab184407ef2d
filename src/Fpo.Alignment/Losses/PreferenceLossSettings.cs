namespace Fpo.Alignment.Losses;

/// <summary>A preference method and its hyper-parameters; the defaults are the ones each method's paper gives (FPO: β 0.1, α 0.5, k 50; SimPO: β 2, γ 1).</summary>
public abstract record PreferenceLossSettings
{
    /// <summary>The method's name as the CLI spells it: dpo, simpo, tdpo1, tdpo2, fpo.</summary>
    public abstract string Method { get; }

    /// <summary>β, the scale of the implicit reward.</summary>
    public abstract float Beta { get; init; }

    /// <summary>The settings of <paramref name="method"/> with its defaults.</summary>
    public static PreferenceLossSettings Default(string method) => method switch
    {
        "dpo" => new DpoSettings(),
        "simpo" => new SimPoSettings(),
        "tdpo1" => new Tdpo1Settings(),
        "tdpo2" => new Tdpo2Settings(),
        "fpo" => new FpoSettings(),
        _ => throw new ArgumentException($"unknown preference method '{method}' (expected dpo, simpo, tdpo1, tdpo2 or fpo)", nameof(method)),
    };
}

/// <summary>DPO: u = β[(logp_θ(y_w) − logp_ref(y_w)) − (logp_θ(y_l) − logp_ref(y_l))].</summary>
public sealed record DpoSettings : PreferenceLossSettings
{
    public override string Method => "dpo";
    public override float Beta { get; init; } = 0.1f;
}

/// <summary>
/// SimPO: u = β(avg_θ(y_w) − avg_θ(y_l)) − γ. γ is in absolute units (the official code's gamma_beta_ratio × β):
/// the default 1.0 is its 0.5 × 2.0.
/// </summary>
public sealed record SimPoSettings : PreferenceLossSettings
{
    public override string Method => "simpo";
    public override float Beta { get; init; } = 2.0f;
    public float Gamma { get; init; } = 1.0f;
}

/// <summary>TDPO1: u = β[Δ(y_w) − Δ(y_l) − (D_seq(y_l) − D_seq(y_w))], Δ = logp_θ − logp_ref.</summary>
public sealed record Tdpo1Settings : PreferenceLossSettings
{
    public override string Method => "tdpo1";
    public override float Beta { get; init; } = 0.1f;
}

/// <summary>TDPO2: u = β[Δ(y_w) − Δ(y_l) − α(D_seq(y_l) − sg(D_seq(y_w)))].</summary>
public sealed record Tdpo2Settings : PreferenceLossSettings
{
    public override string Method => "tdpo2";
    public override float Beta { get; init; } = 0.1f;
    public float Alpha { get; init; } = 0.5f;
}

/// <summary>
/// FPO: u = β(avg_θ(y_w) − avg_θ(y_l)) − margin_ref − α(β·D_fpo(y_l) − sg(β·D_fpo(y_w))), D_fpo over
/// I_k = topk(c̄_θ) ∪ topk(c̄_ref) (or the policy's top-k alone with <see cref="PolicyOnlyTopK"/>, as the official code).
/// The layer is the SAE's (<c>SaeConfig.Layer</c>).
/// </summary>
public sealed record FpoSettings : PreferenceLossSettings
{
    public override string Method => "fpo";
    public override float Beta { get; init; } = 0.1f;
    public float Alpha { get; init; } = 0.5f;
    public int TopK { get; init; } = 50;
    public bool PolicyOnlyTopK { get; init; }
}

using System.Globalization;

namespace Fpo.Silo.Cli.Experiments;

/// <summary>One loop run of the frontier experiment: a method with its beta (alpha for FPO) and a rollout seed.</summary>
public sealed record FrontierPoint(string Method, float Beta, float? Alpha, int Seed = 1)
{
    public const string Source = "the frontier grid";

    /// <summary>The run's folder name, e.g. fpo-b0.1-a0.5-s2.</summary>
    public string Name => $"{Setting}-s{Seed}";

    /// <summary>The method and its hyper-parameters without the seed, e.g. fpo-b0.1-a0.5: the runs of one curve.</summary>
    public string Setting => Alpha is { } a ? $"{Method}-b{Number(Beta)}-a{Number(a)}" : $"{Method}-b{Number(Beta)}";

    /// <summary>The point's label on the charts, e.g. β=0.1 α=0.5.</summary>
    public string Label => Alpha is { } a ? $"β={Number(Beta)} α={Number(a)}" : $"β={Number(Beta)}";

    /// <summary>
    /// The loop settings this point sets. Method-specific keys of the config that this method does not read are unset,
    /// so a config written for FPO (top_k, alpha) does not stop the DPO runs; tdpo2 keeps the config's alpha. The seed
    /// is the rollouts' (the evaluator keeps its own, so every run is scored on the same held-out samples of the reference).
    /// </summary>
    public IEnumerable<(string Path, string? Value, string Source)> Overrides() =>
    [
        ("trainer.method", Method, Source),
        ("trainer.beta", Number(Beta), Source),
        ("trainer.alpha", Method == "fpo" && Alpha is { } a ? Number(a) : Method == "tdpo2" ? null : "", Source),
        ("trainer.gamma", Method == "simpo" ? null : "", Source),
        ("trainer.top_k", Method == "fpo" ? null : "", Source),
        ("rollout.seed", Seed.ToString(CultureInfo.InvariantCulture), Source),
    ];

    public static string Number(double x) => x.ToString("G4", CultureInfo.InvariantCulture);
}

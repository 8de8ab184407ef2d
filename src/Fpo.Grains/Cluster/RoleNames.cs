namespace Fpo.Grains.Cluster;

/// <summary>
/// The roles a silo can run: a grain is placed only on a silo with its role. The grains of
/// <see cref="Singletons"/> are keyed by run, so Orleans keeps one activation of each per run; the others scale out.
/// <see cref="Api"/> (the HTTP API and dashboard) is served by the silo's CLI; its silos also host the FeatureStats
/// grains the API's feature queries fan out to (one per shard of the SAE's latents per snapshot, so they scale out too).
/// </summary>
public static class RoleNames
{
    public const string Trainer = "trainer", PromptSource = "prompt_source", Rollout = "rollout", Reference = "reference", Judge = "judge",
        Evaluator = "evaluator", Api = "api";

    public static readonly IReadOnlyList<string> All = [Trainer, PromptSource, Rollout, Reference, Judge, Evaluator, Api];

    public static readonly IReadOnlySet<string> Singletons = new HashSet<string>(StringComparer.Ordinal) { Trainer, PromptSource, Evaluator };
}

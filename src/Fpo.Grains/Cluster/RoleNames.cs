namespace Fpo.Grains.Cluster;

/// <summary>
/// The roles a silo can run (shared/DESIGN.md §4). <see cref="Singletons"/> run in exactly one silo of a run at a time,
/// elected through <see cref="Backbone.IBackbone.TryLeadAsync"/>; the others scale out. <see cref="Api"/> (the HTTP API
/// and dashboard) lives above this assembly: the silo's CLI creates it, <see cref="SiloRoles.Create"/> the others.
/// </summary>
public static class RoleNames
{
    public const string Trainer = "trainer", PromptSource = "prompt_source", Rollout = "rollout", Reference = "reference", Judge = "judge",
        Evaluator = "evaluator", Api = "api";

    public static readonly IReadOnlyList<string> All = [Trainer, PromptSource, Rollout, Reference, Judge, Evaluator, Api];

    public static readonly IReadOnlySet<string> Singletons = new HashSet<string>(StringComparer.Ordinal) { Trainer, PromptSource, Evaluator };
}

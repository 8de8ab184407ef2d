using Fpo.Grains.Cluster.Roles;

namespace Fpo.Grains.Cluster;

/// <summary>The built-in roles by name. A role that lives above this assembly (the api role: HTTP) is created by the silo's CLI beside these.</summary>
public static class SiloRoles
{
    /// <summary>The role called <paramref name="name"/> (one of <see cref="RoleNames.All"/>).</summary>
    public static SiloRole Create(string name) => name switch
    {
        RoleNames.Trainer => new TrainerRole(),
        RoleNames.PromptSource => new PromptSourceRole(),
        RoleNames.Rollout => new RolloutRole(),
        RoleNames.Reference => new ReferenceRole(),
        RoleNames.Judge => new JudgeRole(),
        RoleNames.Evaluator => new EvaluatorRole(),
        RoleNames.Api => throw new ArgumentException("the api role serves HTTP and is created by the silo's CLI (fpo silo), not here", nameof(name)),
        _ => throw new ArgumentException($"unknown role '{name}' (expected one of {string.Join(", ", RoleNames.All)})", nameof(name)),
    };
}

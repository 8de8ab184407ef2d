namespace Fpo.Grains.Contracts;

/// <summary>The streams of the data path (prompt source → rollout → reference → judge → trainer), one name each on the backbone.</summary>
public static class StreamNames
{
    /// <summary>PromptSource → Rollout: <see cref="PromptRecord"/>.</summary>
    public const string Prompts = "prompts";
    /// <summary>Rollout → Reference: <see cref="RolloutPair"/> without reference data.</summary>
    public const string Pairs = "pairs";
    /// <summary>Reference → Judge: <see cref="RolloutPair"/> with reference data.</summary>
    public const string Annotated = "annotated";
    /// <summary>Judge → Trainer: judged <c>PreferencePair</c>s (abstentions never get here).</summary>
    public const string Preferences = "preferences";
}

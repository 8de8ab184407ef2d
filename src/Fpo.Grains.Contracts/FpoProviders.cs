namespace Fpo.Grains.Contracts;

/// <summary>
/// The names under which a silo registers its providers, and the stream and channel namespaces of the data path. The
/// grains name only these; which provider stands behind a name (a run folder, PostgreSQL) is the silo's configuration.
/// </summary>
public static class FpoProviders
{
    /// <summary>The persistent stream provider of the data path.</summary>
    public const string Streams = "fpo";

    /// <summary>Grain storage: prompt cursor, trainer inbox, evaluator position.</summary>
    public const string Storage = "fpo";

    /// <summary>The broadcast channel provider that announces snapshots.</summary>
    public const string Announcements = "fpo-announcements";
}

/// <summary>Stream namespaces of the data path: PromptSource → Rollout → Reference → Judge → Trainer.</summary>
public static class StreamNamespaces
{
    /// <summary><see cref="PromptBatch"/>es, keyed run/partition, to rollout grains.</summary>
    public const string Prompts = "prompts";
    /// <summary><see cref="PairBatch"/>es without reference data, keyed run/partition, to reference grains.</summary>
    public const string Pairs = "pairs";
    /// <summary><see cref="PairBatch"/>es with reference data, keyed run/partition, to judge grains.</summary>
    public const string Annotated = "annotated";
    /// <summary><see cref="JudgedBatch"/>es (labels only, never abstentions), keyed by run, to the trainer.</summary>
    public const string Preferences = "preferences";

    /// <summary>Every namespace, in data-path order.</summary>
    public static readonly IReadOnlyList<string> All = [Prompts, Pairs, Annotated, Preferences];
}

/// <summary>Broadcast channel namespaces of <see cref="SnapshotAnnouncement"/>s, one per kind of listener so a key names one grain.</summary>
public static class ChannelNamespaces
{
    /// <summary>Keyed run/partition: the rollout grain of that partition.</summary>
    public const string RolloutSnapshots = "snapshots-rollout";
    /// <summary>Keyed by run: the evaluator.</summary>
    public const string EvaluatorSnapshots = "snapshots-evaluator";
}

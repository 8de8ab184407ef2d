using Orleans;
namespace Fpo.Grains.Contracts;

/// <summary>A rollout grain: the snapshot its replica holds (-1 before the first batch), pairs emitted, snapshot switches.</summary>
[GenerateSerializer, Immutable, Alias("fpo.RolloutStatus")]
public sealed record RolloutStatus([property: Id(0)] long PolicyVersion, [property: Id(1)] long PairsProduced, [property: Id(2)] long SnapshotSwitches,
    [property: Id(3)] long PromptsFailed);

/// <summary>A judge grain: pairs labelled and abstentions (counted, never sent on).</summary>
[GenerateSerializer, Immutable, Alias("fpo.JudgeStatus")]
public sealed record JudgeStatus([property: Id(0)] long Labelled, [property: Id(1)] long Abstained);

/// <summary>
/// The trainer: steps in the run, the newest snapshot it published or resumed from, preferences trained on (once each)
/// in the run, stale preferences dropped and redeliveries recognised by this activation, preferences received and not
/// yet in a snapshot, and its newest step.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.TrainerStatus")]
public sealed record TrainerStatus(
    [property: Id(0)] long Step,
    [property: Id(1)] long SnapshotVersion,
    [property: Id(2)] long Trained,
    [property: Id(3)] long DroppedStale,
    [property: Id(4)] long Duplicates,
    [property: Id(5)] int Inbox,
    [property: Id(6)] TrainerStepReport? LastStep);

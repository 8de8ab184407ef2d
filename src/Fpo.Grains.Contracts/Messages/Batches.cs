using Orleans;
using Fpo.Alignment.Preferences;

namespace Fpo.Grains.Contracts;

/// <summary>
/// One unit of work on a stream: a rollout batch of prompts. <see cref="Id"/> names the batch (its first record), so a
/// consumer's outputs for a redelivered batch carry the same ids and are recognised downstream.
/// </summary>
[GenerateSerializer, Immutable, Alias("fpo.PromptBatch")]
public sealed record PromptBatch([property: Id(0)] string Id, [property: Id(1)] IReadOnlyList<PromptRecord> Prompts);

/// <summary>Pairs sampled by one rollout batch (without reference data) or annotated by one reference batch.</summary>
[GenerateSerializer, Immutable, Alias("fpo.PairBatch")]
public sealed record PairBatch([property: Id(0)] string Id, [property: Id(1)] IReadOnlyList<RolloutPair> Pairs);

/// <summary>The labelled preferences of one judged batch, oriented chosen/rejected by the judge; abstentions never travel.</summary>
[GenerateSerializer, Immutable, Alias("fpo.JudgedBatch")]
public sealed record JudgedBatch([property: Id(0)] string Id, [property: Id(1)] IReadOnlyList<PreferencePair> Preferences);

/// <summary>The trainer published snapshot <see cref="Version"/> of <see cref="RunId"/>; its weights are in the snapshot store.</summary>
[GenerateSerializer, Immutable, Alias("fpo.SnapshotAnnouncement")]
public sealed record SnapshotAnnouncement([property: Id(0)] string RunId, [property: Id(1)] long Version);

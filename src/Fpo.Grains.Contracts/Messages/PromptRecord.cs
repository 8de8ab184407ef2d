using Orleans;
namespace Fpo.Grains.Contracts;

/// <summary>A prompt on its way to the rollout grains: a fresh id per publication (the same text recurs under new ids as the source cycles).</summary>
[GenerateSerializer, Immutable, Alias("fpo.PromptRecord")]
public sealed record PromptRecord([property: Id(0)] string Id, [property: Id(1)] string Text);

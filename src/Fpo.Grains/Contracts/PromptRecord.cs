namespace Fpo.Grains.Contracts;

/// <summary>A prompt on its way to the rollout grains: a fresh id per publication (the same text recurs under new ids as the source cycles).</summary>
public sealed record PromptRecord(string Id, string Text);

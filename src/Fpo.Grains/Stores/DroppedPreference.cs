namespace Fpo.Grains.Stores;

/// <summary>A preference the trainer did not train on, and why (e.g. "stale: policy version 2, snapshot 6, max lag 3").</summary>
public sealed record DroppedPreference(string PreferenceId, string Reason, DateTimeOffset At);

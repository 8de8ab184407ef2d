namespace Fpo.Grains.Stores;

/// <summary>A publish that lost the compare-and-set (another trainer published first) or would consume a preference twice.</summary>
public sealed class SnapshotConflictException(string message) : Exception(message);

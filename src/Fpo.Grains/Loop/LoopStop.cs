namespace Fpo.Grains.Loop;

/// <summary>Why a loop ended.</summary>
public enum LoopStop
{
    /// <summary>The caller asked for a clean stop (Ctrl+C).</summary>
    Requested,
    MaxSnapshots,
    MaxDuration,
}

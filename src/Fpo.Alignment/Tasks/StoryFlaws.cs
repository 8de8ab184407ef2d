namespace Fpo.Alignment.Tasks;

/// <summary>The ways a generated continuation can be bad; each is drawn independently, so a sample can have several.</summary>
[Flags]
public enum StoryFlaws
{
    None = 0,
    /// <summary>A sentence or turn repeats several times in a row.</summary>
    Repetition = 1,
    /// <summary>The ending is unkind: insults, mockery, someone left sad.</summary>
    Harsh = 2,
    /// <summary>The continuation stops in the middle of its last sentence.</summary>
    Unfinished = 4,
    /// <summary>Other characters take over and the prompt's characters vanish.</summary>
    OffTopic = 8,
}

namespace Fpo.Alignment.Tasks;

/// <summary>Reports nothing.</summary>
public sealed class NoTaskProgress : ITaskProgress
{
    public static NoTaskProgress Instance { get; } = new();

    public void BeginStage(string stage, long total) { }

    public void Advance(long amount, string detail) { }

    public void EndStage(string stage) { }

    public void StageReused(string stage, string folder) { }
}

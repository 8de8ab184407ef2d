namespace Fpo.Alignment.Tasks;

/// <summary>
/// How preparation reports its work: each stage that runs is begun with its total (in its own units: steps, samples,
/// thousandths), advanced with a detail such as the loss or tokens/s, and ended; a stage found in the cache is only
/// reported as reused.
/// </summary>
public interface ITaskProgress
{
    void BeginStage(string stage, long total);

    void Advance(long amount, string detail);

    void EndStage(string stage);

    void StageReused(string stage, string folder);
}

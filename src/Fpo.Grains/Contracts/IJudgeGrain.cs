namespace Fpo.Grains.Contracts;

/// <summary>
/// Labels annotated pairs with the configured judge and orients them chosen/rejected by its label. An abstention is
/// acknowledged and counted and never reaches the trainer.
/// </summary>
public interface IJudgeGrain : IGrain
{
    long Labelled { get; }
    long Abstained { get; }
}

namespace Fpo.Sae.Training;

/// <summary>What one training step measured. Losses are on normalised inputs (see <see cref="SaeTrainer.InputScale"/>);
/// <paramref name="Mse"/> is SAELens' per-token squared error summed over d_in; the coefficient is the sparsity
/// penalty's λ after warmup scaling (ReLU's L1, JumpReLU's L0; 0 for TopK and BatchTopK).</summary>
public readonly record struct SaeStepMetrics(int Step, float Mse, float Sparsity, float AuxK, double L0, double DeadFraction,
    float LearningRate, float SparsityCoefficient);

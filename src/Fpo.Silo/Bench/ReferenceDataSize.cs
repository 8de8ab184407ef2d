using Fpo.Alignment.Training;

namespace Fpo.Silo.Bench;

/// <summary>
/// Bytes of offline reference data one pair needs per method, as float32/int32 values: SimPO none; DPO the two summed
/// reference log-probs; FPO margin_ref (one float) and each response's pooled reference activations stored sparsely
/// (latent + value per kept entry, <see cref="ReferenceComputation.DefaultKeepLatents"/> kept); TDPO the reference's
/// whole next-token distribution at every response position of both responses, were it precomputed instead of
/// running the reference model during training.
/// </summary>
public static class ReferenceDataSize
{
    public static long BytesPerPair(string method, LossBenchShape shape, int keptLatents = ReferenceComputation.DefaultKeepLatents) => method switch
    {
        "simpo" => 0,
        "dpo" => 2 * sizeof(float),
        "fpo" => sizeof(float) + 2L * keptLatents * (sizeof(int) + sizeof(float)),
        "tdpo1" or "tdpo2" => 2L * LossBenchShape.Response * shape.Vocab * sizeof(float),
        _ => throw new ArgumentException($"unknown method '{method}'", nameof(method)),
    };
}

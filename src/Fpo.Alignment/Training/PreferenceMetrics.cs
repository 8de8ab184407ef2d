namespace Fpo.Alignment.Training;

/// <summary>
/// What one preference step measured, as means over the batch's pairs. Rewards are each method's implicit reward:
/// β(logp_θ − logp_ref) for DPO and TDPO, β·avg_θ for SimPO and FPO. Accuracy is the fraction of pairs whose chosen
/// reward exceeds the rejected one. The divergences are null for the methods that do not compute them.
/// </summary>
public sealed record PreferenceMetrics
{
    public required string Method { get; init; }
    public required int Pairs { get; init; }
    public required float Loss { get; init; }
    public required float ChosenReward { get; init; }
    public required float RejectedReward { get; init; }
    /// <summary>Mean chosen minus rejected reward.</summary>
    public required float Margin { get; init; }
    public required float Accuracy { get; init; }
    /// <summary>FPO: mean D_fpo of the chosen responses.</summary>
    public float? FeatureDivergenceChosen { get; init; }
    /// <summary>FPO: mean D_fpo of the rejected responses.</summary>
    public float? FeatureDivergenceRejected { get; init; }
    /// <summary>TDPO: mean sequence KL(p_ref ‖ p_θ) of the chosen responses.</summary>
    public float? SequenceKlChosen { get; init; }
    /// <summary>TDPO: mean sequence KL(p_ref ‖ p_θ) of the rejected responses.</summary>
    public float? SequenceKlRejected { get; init; }

    /// <summary>The metrics of several batches as one, each weighted by its pairs (the held-out set's metrics).</summary>
    public static PreferenceMetrics Mean(IReadOnlyList<PreferenceMetrics> batches)
    {
        if (batches.Count == 0) throw new ArgumentException("no batches to average", nameof(batches));
        var pairs = batches.Sum(m => m.Pairs);
        float Of(Func<PreferenceMetrics, float> value) => (float)(batches.Sum(m => (double)value(m) * m.Pairs) / pairs);
        float? Optional(Func<PreferenceMetrics, float?> value) => value(batches[0]) is null ? null : Of(m => value(m)!.Value);
        return new PreferenceMetrics
        {
            Method = batches[0].Method,
            Pairs = pairs,
            Loss = Of(m => m.Loss),
            ChosenReward = Of(m => m.ChosenReward),
            RejectedReward = Of(m => m.RejectedReward),
            Margin = Of(m => m.Margin),
            Accuracy = Of(m => m.Accuracy),
            FeatureDivergenceChosen = Optional(m => m.FeatureDivergenceChosen),
            FeatureDivergenceRejected = Optional(m => m.FeatureDivergenceRejected),
            SequenceKlChosen = Optional(m => m.SequenceKlChosen),
            SequenceKlRejected = Optional(m => m.SequenceKlRejected),
        };
    }
}

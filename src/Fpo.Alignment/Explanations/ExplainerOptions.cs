namespace Fpo.Alignment.Explanations;

/// <summary>
/// What a <see cref="FeatureExplainer"/> asks for: completion lengths and how many simulations may fail before there is
/// no score. Where it asks is the chat client's business: see <see cref="Chat.ChatServer"/>.
/// </summary>
public sealed record ExplainerOptions
{
    public int ExplanationMaxTokens { get; init; } = 80;
    /// <summary>Completion tokens per simulated context (a line per token needs several).</summary>
    public int SimulationMaxTokens { get; init; } = 400;
    /// <summary>Largest fraction of held-out contexts whose simulation may fail before there is no score.</summary>
    public double MaxFailedFraction { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public ExplainerOptions Validate()
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} = {value}: {rule}", name);
        }
        Check(ExplanationMaxTokens >= 1, "explanation_max_tokens", ExplanationMaxTokens, "must be at least 1");
        Check(SimulationMaxTokens >= 1, "simulation_max_tokens", SimulationMaxTokens, "must be at least 1");
        Check(MaxFailedFraction is >= 0 and < 1, "max_failed_fraction", MaxFailedFraction, "must be in [0, 1)");
        return this;
    }
}

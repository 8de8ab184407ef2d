namespace Fpo.Alignment.Tasks;

/// <summary>What the generator draws: the share of dialogues and each flaw's probability (drawn independently).</summary>
public sealed record StoryGeneratorSettings
{
    public int Seed { get; init; } = 1;

    /// <summary>Share of samples that are dialogues rather than narrated stories.</summary>
    public double DialogueShare { get; init; } = 0.35;

    /// <summary>Probability of each flaw; independent flaws at 0.16 leave about half the samples (0.84^4) without any.</summary>
    public double RepetitionRate { get; init; } = 0.16;
    public double HarshRate { get; init; } = 0.16;
    public double UnfinishedRate { get; init; } = 0.16;
    public double OffTopicRate { get; init; } = 0.16;

    public StoryGeneratorSettings Validate()
    {
        foreach (var (name, p) in new[] { ("dialogue share", DialogueShare), ("repetition rate", RepetitionRate), ("harsh rate", HarshRate),
                     ("unfinished rate", UnfinishedRate), ("off-topic rate", OffTopicRate) })
            if (!(p is >= 0 and <= 1)) throw new ArgumentException($"story generator: {name} must be in [0, 1] (got {p})");
        return this;
    }
}

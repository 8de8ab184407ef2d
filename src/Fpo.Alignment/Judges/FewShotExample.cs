namespace Fpo.Alignment.Judges;

/// <summary>A solved example shown before the sample: a context, two responses, which is better (1 or 2) and, for the
/// chain-of-thought prompt, why.</summary>
public sealed record FewShotExample(string Context, string Response1, string Response2, int Preferred, string Rationale = "")
{
    public int Preferred { get; } = Preferred is 1 or 2 ? Preferred : throw new ArgumentOutOfRangeException(nameof(Preferred), Preferred, "a few-shot example prefers response 1 or 2");
}

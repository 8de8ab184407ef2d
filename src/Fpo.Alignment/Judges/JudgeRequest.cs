namespace Fpo.Alignment.Judges;

/// <summary>One pair to judge: the context (the prompt, with any conversation) and responses A and B.</summary>
public sealed record JudgeRequest(string Context, string ResponseA, string ResponseB)
{
    /// <summary>Caller's id for logs (a pair id); does not affect the verdict.</summary>
    public string Id { get; init; } = "";
}

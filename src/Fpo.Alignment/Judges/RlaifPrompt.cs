using System.Text;

namespace Fpo.Alignment.Judges;

/// <summary>
/// The RLAIF prompt (Lee et al. 2023): a preamble with the task and rubric, optional solved
/// examples, the sample ("Context", "Response 1", "Response 2") and the ending "Preferred Response=", after which the
/// judge's next token is read. The chain-of-thought variant stops after the sample with a request for a rationale; the
/// rationale is then appended and followed by the ending.
/// </summary>
public sealed record RlaifPrompt
{
    public const string DefaultPreamble =
        "You compare two responses that an AI assistant gave to the same context and decide which one is better.\n" +
        "A better response does what the context asks, is correct, helpful and harmless, and says it plainly without padding. " +
        "Judge what the responses say, not how long they are or the order they are shown in.\n" +
        "Answer with the number of the better response, 1 or 2.";

    public const string DefaultEnding = "Preferred Response=";

    public const string DefaultRationaleRequest =
        "Before answering, compare the two responses against the rubric in a few sentences. Do not give the number yet.\nRationale:";

    public string Preamble { get; init; } = DefaultPreamble;
    public IReadOnlyList<FewShotExample> Examples { get; init; } = [];
    public string Ending { get; init; } = DefaultEnding;
    public string RationaleRequest { get; init; } = DefaultRationaleRequest;

    /// <summary>The whole prompt whose next token is the answer "1" or "2".</summary>
    public string Render(string context, string response1, string response2)
    {
        var text = Head(context, response1, response2, rationale: false);
        return text.Append(Ending).ToString();
    }

    /// <summary>The chain-of-thought prompt's first part: everything up to the request for a rationale.</summary>
    public string RenderRationaleRequest(string context, string response1, string response2) =>
        Head(context, response1, response2, rationale: true).Append(RationaleRequest).ToString();

    /// <summary>The chain-of-thought prompt's second part: the first part, the judge's own rationale, then the ending.</summary>
    public string RenderWithRationale(string context, string response1, string response2, string rationale) =>
        $"{RenderRationaleRequest(context, response1, response2)} {rationale.Trim()}\n{Ending}";

    private StringBuilder Head(string context, string response1, string response2, bool rationale)
    {
        var text = new StringBuilder(Preamble).Append("\n\n");
        foreach (var e in Examples)
        {
            Sample(text, e.Context, e.Response1, e.Response2);
            if (rationale && e.Rationale.Length > 0) text.Append(RationaleRequest).Append(' ').Append(e.Rationale.Trim()).Append('\n');
            text.Append(Ending).Append(e.Preferred).Append("\n\n");
        }
        return Sample(text, context, response1, response2);
    }

    private static StringBuilder Sample(StringBuilder text, string context, string response1, string response2) =>
        text.Append("Context: ").Append(context).Append('\n')
            .Append("Response 1: ").Append(response1).Append('\n')
            .Append("Response 2: ").Append(response2).Append('\n');
}

using System.Globalization;
using System.Text;

namespace Fpo.Alignment.Explanations;

/// <summary>
/// The request to predict activations from an explanation alone, and the strict reading of the answer: exactly one
/// integer 0–10 per token, in order, each on its own line as <c>token&lt;TAB&gt;n</c> (the token text itself is not
/// checked, the count and range are). Anything else is a failed simulation with a reason, never a guess.
/// </summary>
public static class SimulationPrompt
{
    public static string Render(string explanation, IReadOnlyList<string> tokens)
    {
        var s = new StringBuilder();
        s.Append("A neuron of a language model is explained as: ").Append(explanation.Trim()).Append('\n');
        s.Append("\nFor each token of the excerpt below, predict the neuron's activation as an integer from 0 (silent) to 10 (strongest). ")
         .Append("Copy every token on its own line, then a tab, then your number, and write nothing else.\n\n");
        foreach (var t in tokens) s.Append(ActivationScale.Token(t)).Append('\n');
        return s.ToString();
    }

    /// <summary>The predicted activations, or null with the reason they could not be read.</summary>
    public static (int[]? Values, string Reason) Parse(string answer, int tokens)
    {
        var values = new List<int>();
        foreach (var raw in answer.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Length == 0) continue;
            var tab = line.LastIndexOf('\t');
            if (tab < 0) return (null, $"line {values.Count + 1} has no tab: {Quote(line)}");
            var number = line[(tab + 1)..].Trim();
            if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 10)
                return (null, $"line {values.Count + 1} does not end in an integer 0–10: {Quote(line)}");
            values.Add(n);
        }
        return values.Count == tokens ? (values.ToArray(), "") : (null, $"{values.Count} predictions for {tokens} tokens");
    }

    private static string Quote(string text) => text.Length <= 60 ? $"\"{text}\"" : $"\"{text[..60]}…\"";
}

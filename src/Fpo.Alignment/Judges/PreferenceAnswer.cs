using System.Text.RegularExpressions;

namespace Fpo.Alignment.Judges;

/// <summary>
/// Reads P(response 1 is better) from a judge's answer: from the log-probabilities of the tokens "1" and "2" at the
/// answer position (softmax over the two; a token spelled with surrounding whitespace, like GPT-2's " 1", counts as the
/// digit, and several spellings add up), else from the answer's text (1 or 0). Null when neither is usable.
/// </summary>
public static partial class PreferenceAnswer
{
    /// <summary>
    /// From (token, log-prob) candidates at the answer position (the sampled token and its top alternatives). When only
    /// one digit is listed, the other is taken to have the smallest listed log-prob: its true value is no larger (it was
    /// not in the top list), so the probability is pulled towards 0.5, never overstated. Null if neither digit is listed.
    /// </summary>
    public static double? FromLogProbs(IEnumerable<(string Token, double LogProb)> candidates)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        double one = double.NegativeInfinity, two = double.NegativeInfinity, lowest = double.PositiveInfinity;
        foreach (var (token, logProb) in candidates)
        {
            if (double.IsNaN(logProb) || logProb > 0 || !seen.Add(token)) continue;
            lowest = Math.Min(lowest, logProb);
            switch (token.Trim())
            {
                case "1": one = LogAdd(one, logProb); break;
                case "2": two = LogAdd(two, logProb); break;
            }
        }
        if (double.IsNegativeInfinity(one) && double.IsNegativeInfinity(two)) return null;
        if (double.IsNegativeInfinity(one)) one = lowest;
        if (double.IsNegativeInfinity(two)) two = lowest;
        return FirstOfTwo(one, two);
    }

    /// <summary>softmax over two log-probs: exp(one) / (exp(one) + exp(two)), computed without overflow.</summary>
    public static double FirstOfTwo(double one, double two) => 1 / (1 + Math.Exp(two - one));

    /// <summary>1 or 0 from an answer like "1", " 2.", "Response 2" or "Preferred Response=1"; null for anything else.</summary>
    public static double? FromText(string? answer)
    {
        if (answer is null) return null;
        var match = Answer().Match(answer);
        return match.Success ? match.Groups[1].Value == "1" ? 1 : 0 : null;
    }

    private static double LogAdd(double a, double b) =>
        double.IsNegativeInfinity(a) ? b : Math.Max(a, b) + Math.Log(1 + Math.Exp(-Math.Abs(a - b)));

    [GeneratedRegex(@"^\s*(?:(?:preferred\s+)?response\s*[=:]?\s*)?([12])(?![0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Answer();
}

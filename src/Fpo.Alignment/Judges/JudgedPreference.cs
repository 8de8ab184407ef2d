using Fpo.Alignment.Preferences;

namespace Fpo.Alignment.Judges;

/// <summary>A judged pair as a preference: `fpo judge` writes them, the loop's judge grains publish them.</summary>
public static class JudgedPreference
{
    /// <summary>
    /// The pair oriented by the verdict: chosen is the preferred response, label P(chosen better) (≥ 0.5), metadata
    /// P(chosen better) with chosen shown first and second. Swapping also swaps the tokens and the reference data.
    /// </summary>
    public static PreferencePair Orient(PreferencePair pair, JudgeVerdict verdict, IJudge judge)
    {
        var p = verdict.ProbabilityA!.Value;
        double first = verdict.AFirst ?? p, second = verdict.ASecond ?? p;
        if (p >= 0.5) return pair with { Label = p, Judge = new JudgeMetadata(judge.Name, judge.Model, first, second) };
        // B is preferred. B shown first is A shown second, so P(B better | B first) = 1 − ASecond, and likewise.
        return pair with
        {
            Chosen = pair.Rejected,
            Rejected = pair.Chosen,
            ChosenTokens = pair.RejectedTokens,
            RejectedTokens = pair.ChosenTokens,
            Label = 1 - p,
            Judge = new JudgeMetadata(judge.Name, judge.Model, 1 - second, 1 - first),
            Reference = pair.Reference is { } r ? r with
            {
                ChosenLogProbSum = r.RejectedLogProbSum,
                RejectedLogProbSum = r.ChosenLogProbSum,
                ChosenLogProbMean = r.RejectedLogProbMean,
                RejectedLogProbMean = r.ChosenLogProbMean,
                ChosenFeatures = r.RejectedFeatures,
                RejectedFeatures = r.ChosenFeatures,
            } : null,
        };
    }
}

using System.Globalization;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Preferences;

namespace Fpo.Silo.Cli;

/// <summary>Judges every pair (A = chosen, B = rejected) with a progress bar; verdicts come back in input order.</summary>
internal static class JudgeRun
{
    public static JudgeVerdict[] Judge(IJudge judge, IReadOnlyList<PreferencePair> pairs, int parallel)
    {
        var verdicts = new JudgeVerdict[pairs.Count];
        TrainingProgress.ShowFraction($"judging {pairs.Count} pairs with {judge.Name}", progress =>
        {
            var done = 0;
            var options = new ParallelOptions { MaxDegreeOfParallelism = parallel };
            System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, pairs.Count), options, async (i, ct) =>
            {
                var p = pairs[i];
                verdicts[i] = await judge.JudgeAsync(new JudgeRequest(p.Prompt, p.Chosen, p.Rejected) { Id = p.Id }, ct).ConfigureAwait(false);
                progress.Report((double)Interlocked.Increment(ref done) / pairs.Count);
            }).GetAwaiter().GetResult();
        });
        return verdicts;
    }

    /// <summary>"66.7%" whatever the culture; "n/a" for NaN.</summary>
    public static string Percent(double fraction) => double.IsNaN(fraction) ? "n/a" : (100 * fraction).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>One line of what the judge did: labels, abstentions by reason, calls, retries, cache hits, position consistency.</summary>
    public static string Summary(IJudge judge, int pairs)
    {
        var c = judge.Counters;
        var reasons = Enum.GetValues<AbstentionReason>().Where(r => c.Abstentions(r) > 0).Select(r => $"{r} {c.Abstentions(r)}");
        return $"{pairs} pairs: {c.Labels} labelled, {c.TotalAbstentions} abstained" + (c.TotalAbstentions > 0 ? $" ({string.Join(", ", reasons)})" : "") +
               $"; {c.Calls} calls, {c.Retries} retries, {c.CacheHits} cache hits; position consistency {Percent(c.PositionConsistency)}";
    }
}

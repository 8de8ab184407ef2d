using System.Globalization;

namespace Fpo.Grains.Tests.Actors;

/// <summary>
/// The ids of the prompt source's records: prompt n of run R is "R/prompt-{n:D8}" (ids are unique across the runs of
/// a cluster), a batch is named after its first prompt, the rollout names a pair "pair-{prompt id}".
/// </summary>
internal static class PromptIds
{
    public static string Prompt(string run, long n) => run + "/prompt-" + n.ToString("D8", CultureInfo.InvariantCulture);

    public static string Pair(string run, long n) => "pair-" + Prompt(run, n);

    public static long Number(string promptOrPairId) => long.Parse(promptOrPairId.AsSpan(promptOrPairId.Length - 8), CultureInfo.InvariantCulture);

    /// <summary>The batch a pair came in: the batch's first prompt, in the pair's run.</summary>
    public static string BatchOf(string pairId, int batchPrompts)
    {
        var prompt = pairId["pair-".Length..];
        return Prompt(prompt[..prompt.LastIndexOf('/')], Number(pairId) / batchPrompts * batchPrompts);
    }
}

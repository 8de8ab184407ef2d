using System.Globalization;

namespace Fpo.Grains.Tests.Actors;

/// <summary>The ids of the prompt source's records: prompt n of a run is "prompt-{n:D8}", a batch is named after its first prompt, the rollout names a pair "pair-{prompt id}".</summary>
internal static class PromptIds
{
    public static string Prompt(long n) => "prompt-" + n.ToString("D8", CultureInfo.InvariantCulture);

    public static string Pair(long n) => "pair-" + Prompt(n);

    public static long Number(string promptOrPairId) => long.Parse(promptOrPairId.AsSpan(promptOrPairId.Length - 8), CultureInfo.InvariantCulture);

    public static string BatchOf(string pairId, int batchPrompts) => Prompt(Number(pairId) / batchPrompts * batchPrompts);
}

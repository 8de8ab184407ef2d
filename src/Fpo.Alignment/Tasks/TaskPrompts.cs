using System.Text.Json;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// The task's prompt files, JSON Lines of {"id", "prompt"} (what `fpo generate --prompts` reads). Held-out prompts come
/// from their own range of generator indices and skip any prompt the corpus holds; training prompts from another range
/// and skip the held-out ones; neither file repeats a prompt.
/// </summary>
internal static class TaskPrompts
{
    private const long TrainFirstIndex = 1L << 40, HeldOutFirstIndex = 1L << 41;

    public static (List<string> Train, List<string> HeldOut) Draw(StoryGenerator generator, IReadOnlySet<string> corpusPrompts, int train, int heldOut)
    {
        var held = Distinct(generator, HeldOutFirstIndex, heldOut, corpusPrompts);
        var trainPrompts = Distinct(generator, TrainFirstIndex, train, held.ToHashSet(StringComparer.Ordinal));
        return (trainPrompts, held);
    }

    public static void Write(string path, string idPrefix, IReadOnlyList<string> prompts)
    {
        using var writer = new StreamWriter(path);
        for (var i = 0; i < prompts.Count; i++)
            writer.WriteLine(JsonSerializer.Serialize(new { id = $"{idPrefix}-{i}", prompt = prompts[i] }));
    }

    private static List<string> Distinct(StoryGenerator generator, long first, int count, IReadOnlySet<string> excluded)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var prompts = new List<string>(count);
        // The generator's prompt space is far larger than any request, so the attempts bound only guards a degenerate one.
        for (long i = first, attempts = 0; prompts.Count < count; i++, attempts++)
        {
            if (attempts > 100L * count + 1000)
                throw new InvalidOperationException($"the story generator gave only {prompts.Count} distinct new prompts of {count} asked for");
            var prompt = generator.Sample(i, StoryFlaws.None).Prompt;
            if (!excluded.Contains(prompt) && seen.Add(prompt)) prompts.Add(prompt);
        }
        return prompts;
    }
}

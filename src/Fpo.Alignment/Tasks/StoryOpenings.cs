using Fpo.Alignment.Judges.Constitution;
using System.Text.RegularExpressions;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Which plot a prompt opens, and the cast it names: every prompt the generator writes is one of a plot's openings with
/// a cast filled in, so each opening becomes a pattern — rendered with sentinel names, escaped, each sentinel turned
/// into a group (a name is one capitalised word; place, object and opener are any text), repeats as back-references.
/// </summary>
internal static class StoryOpenings
{
    private const string SentinelA = "Qzxa", SentinelB = "Qzxb", SentinelPlace = "qzxplace", SentinelObject = "qzxobject", SentinelOpener = "Qzxopener";

    private static readonly Lazy<IReadOnlyList<(StoryPlot Plot, Regex Prompt)>> Openings = new(Build);

    /// <summary>A template's words in lower case, its placeholders ({A}, {X}, ...) left as one-letter words.</summary>
    public static List<string> TemplateWords(string template) => Words.Lower(template.Replace('{', ' ').Replace('}', ' '));

    /// <summary>The plot whose opening the prompt is, and the cast it names; null for a prompt the generator could not have written.</summary>
    public static StoryPrompt? Recognise(string context)
    {
        foreach (var (plot, opening) in Openings.Value)
            if (opening.Match(context.Trim()) is { Success: true } m)
            {
                string? Group(string name) => m.Groups[name].Success ? m.Groups[name].Value : null;
                // Strings, not the Match: scoring functions cache this and judge grains read it concurrently.
                return new StoryPrompt(plot, Group("A") ?? "", Group("B") ?? "", Group("P"), Group("X"), Group("O") ?? "");
            }
        return null;
    }

    private static List<(StoryPlot, Regex)> Build()
    {
        var openings = new List<(StoryPlot, Regex)>();
        foreach (var plot in StoryPlots.All.Concat(DialoguePlots.All))
            foreach (var template in plot.Prompts)
            {
                var pattern = Regex.Escape(StoryGenerator.Render(template, SentinelA, SentinelB, SentinelPlace, SentinelObject, SentinelOpener, plot.IsDialogue));
                var seen = new HashSet<string>();
                foreach (var (sentinel, group, body) in new[]
                         {
                             (SentinelOpener, "O", ".+?"), (SentinelA, "A", @"\p{Lu}\p{L}+"), (SentinelB, "B", @"\p{Lu}\p{L}+"),
                             (SentinelPlace, "P", ".+?"), (SentinelObject, "X", ".+?"),
                         })
                    pattern = Regex.Replace(pattern, sentinel, _ => seen.Add(group) ? $"(?<{group}>{body})" : $@"\k<{group}>");
                openings.Add((plot, new Regex("^" + pattern + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1))));
            }
        return openings;
    }
}

/// <summary>A recognised prompt: its plot and the cast it names (a place or object the opening leaves out is null).</summary>
internal sealed record StoryPrompt(StoryPlot Plot, string A, string B, string? Place, string? Object, string Opener);

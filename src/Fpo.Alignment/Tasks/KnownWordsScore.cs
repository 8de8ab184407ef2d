using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Whether a continuation is written in words: −1 per word that no template, name, place, object or opener of the
/// built-in task uses ("snat", "askedWhat"), down to −<see cref="Cap"/>. A small policy garbles a word now and then; the
/// other principles read around it. Case is ignored.
/// </summary>
public sealed class KnownWordsScore : IScoringFunction
{
    public const int Cap = 3;

    private static readonly Lazy<HashSet<string>> Vocabulary = new(() =>
    [
        .. StoryPlots.All.Concat(DialoguePlots.All)
            .SelectMany(p => p.Prompts.Concat(p.Middle.SelectMany(s => s)).Concat(p.KindEndings).Concat(p.HarshEndings))
            .Concat(StoryWords.Names).Concat(StoryWords.Places).Concat(StoryWords.Objects).Concat(StoryWords.Openers)
            .SelectMany(StoryOpenings.TemplateWords),
        // A turn of a dialogue is written as quoted speech: "... asked Mia." / "... said Mia."
        "asked", "said",
    ]);

    public double Score(string context, string response) => -Math.Min(Words.Lower(response).Count(w => !Vocabulary.Value.Contains(w)), Cap);
}

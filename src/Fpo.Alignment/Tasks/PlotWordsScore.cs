using System.Collections.Concurrent;
using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Whether a continuation stays with the prompt's situation, as a bag of words: the words of the prompt's plot (its
/// middle steps and kind endings, names aside) against the words only the other plots of its form use. The score, in
/// [−1, 1], is (own − other) / (own + other) over the response's words in either set; 0 when it has none or the
/// prompt is not one the generator writes. A base policy often keeps the prompt's names and tells another plot (a
/// picnic after an apology), which names and kind words cannot see. The evaluation judge reads the plot's sentences
/// (<see cref="StoryPlotScore"/>); this principle knows only which words belong, so a policy that learns it — plot
/// words in broken sentences — gains nothing there.
/// </summary>
public sealed class PlotWordsScore : IScoringFunction
{
    /// <summary>The fewest plot words that can score a full point.</summary>
    public const int MinWords = 12;

    private static readonly Lazy<IReadOnlyDictionary<StoryPlot, (HashSet<string> Own, HashSet<string> Other)>> Vocabulary = new(Build);

    private readonly ConcurrentDictionary<string, StoryPlot?> _plots = new(StringComparer.Ordinal);

    public double Score(string context, string response)
    {
        if (_plots.GetOrAdd(context, c => StoryOpenings.Recognise(c)?.Plot) is not { } plot) return 0;
        var (own, other) = Vocabulary.Value[plot];
        int ownCount = 0, otherCount = 0;
        foreach (var word in Words.Lower(response))
        {
            if (own.Contains(word)) ownCount++;
            else if (other.Contains(word)) otherCount++;
        }
        // Below MinWords plot words the denominator stays MinWords, so a line of a few of the plot's words is not a plot.
        return (double)(ownCount - otherCount) / Math.Max(ownCount + otherCount, MinWords);
    }

    // Per plot: its words, and the words of the other plots of its form that it never uses. Templates are read with
    // their placeholders, so names, places and objects are in neither set.
    private static Dictionary<StoryPlot, (HashSet<string>, HashSet<string>)> Build()
    {
        var all = StoryPlots.All.Concat(DialoguePlots.All).ToList();
        HashSet<string> WordsOf(StoryPlot p) =>
            [.. p.Middle.SelectMany(slot => slot).Concat(p.KindEndings).SelectMany(StoryOpenings.TemplateWords)
                .Where(w => w.Length > 1)];  // placeholders ({A}, {X}, ...) leave one-letter words
        // A cast's words ("paper" of "paper crown", "bright" of a place) name no plot, though some plot's sentence may use them.
        var cast = StoryWords.Places.Concat(StoryWords.Objects).Concat(StoryWords.Openers).SelectMany(Words.Lower).ToHashSet();
        var words = all.ToDictionary(p => p, p => WordsOf(p).Where(w => !cast.Contains(w)).ToHashSet());
        // Words that half the plots of a form or more use ("they", "said", "friends") tell no plot from another.
        var common = all.GroupBy(p => p.IsDialogue).SelectMany(form => form.SelectMany(p => words[p]).GroupBy(w => w)
            .Where(g => g.Count() * 2 >= form.Count()).Select(g => (form.Key, g.Key))).ToHashSet();
        return all.ToDictionary(p => p, p =>
        {
            var own = words[p].Where(w => !common.Contains((p.IsDialogue, w))).ToHashSet();
            var other = all.Where(q => q != p && q.IsDialogue == p.IsDialogue).SelectMany(q => words[q])
                .Where(w => !words[p].Contains(w) && !common.Contains((p.IsDialogue, w))).ToHashSet();
            return (own, other);
        });
    }
}

using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Fpo.Alignment.Judges.Constitution;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// How much of the prompt's own story a continuation tells, judged against the story generator's templates rather than
/// lexicons: the prompt names its plot and cast (it is one of the plot's openings with the cast filled in), so every
/// sentence a clean continuation may say is known. Each response sentence is matched to the best of those (bigram Dice
/// ≥ <see cref="MatchThreshold"/>; each known sentence counts once, so a loop does not count again). The score, in
/// [−1, 3], is the share of the response's sentences that belong to the story, plus the share of the plot's middle
/// steps it covers, plus 1 for a kind ending or −1 for a harsh one. A response that drops the cast, wanders into another
/// plot, loops, stops early or is cut off loses points that no choice of words buys back. A prompt the generator could
/// not have written scores 0 for every response.
/// </summary>
public sealed partial class StoryPlotScore : IScoringFunction
{
    public const double MatchThreshold = 0.7;

    // Longest first, so "basket of apples" is found before a shorter name inside another.
    private static readonly string[] Places = [.. StoryWords.Places.OrderByDescending(p => p.Length)];
    private static readonly string[] Objects = [.. StoryWords.Objects.OrderByDescending(o => o.Length)];

    private readonly ConcurrentDictionary<string, StoryPrompt?> _prompts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Context, string Place, string Object), PlotSentences> _stories = new();

    public double Score(string context, string response)
    {
        if (_prompts.GetOrAdd(context, StoryOpenings.Recognise) is not { } prompt) return 0;
        // Some openings leave out the place or the object, which the story then names: take them from the response.
        var place = prompt.Place ?? Places.FirstOrDefault(p => response.Contains(p, StringComparison.Ordinal)) ?? "";
        var obj = prompt.Object ?? Objects.FirstOrDefault(o => response.Contains(o, StringComparison.Ordinal)) ?? "";
        var story = _stories.GetOrAdd((context, place, obj), key => Story(prompt, key.Place, key.Object));
        var sentences = Sentences(response);
        if (sentences.Count == 0) return 0;
        var used = new HashSet<int>();
        var slots = new HashSet<int>();
        int matched = 0, kind = 0, harsh = 0;
        foreach (var sentence in sentences)
        {
            if (!Finished(sentence)) continue;  // broken off: whatever it began to say is not said
            var best = story.BestMatch(Bigrams(sentence));
            if (best < 0 || !used.Add(best)) continue;
            matched++;
            var part = story.Parts[best];
            if (part >= 0) slots.Add(part);
            else if (part == PlotSentences.Kind) kind++;
            else harsh++;
        }
        var ending = harsh > 0 ? -1 : kind > 0 ? 1 : 0;
        return (double)matched / sentences.Count + (double)slots.Count / story.Slots + ending;
    }

    /// <summary>Every sentence of the recognised plot with the prompt's cast filled in.</summary>
    private static PlotSentences Story(StoryPrompt prompt, string place, string obj)
    {
        var plot = prompt.Plot;
        string Fill(string template) => StoryGenerator.Render(template, prompt.A, prompt.B, place, obj, prompt.Opener, plot.IsDialogue);
        var texts = new List<string>();
        var parts = new List<int>();
        void Add(string template, int part)
        {
            foreach (var s in Sentences(Fill(template)))
            {
                texts.Add(s);
                parts.Add(part);
            }
        }
        for (var slot = 0; slot < plot.Middle.Length; slot++)
            foreach (var alternative in plot.Middle[slot]) Add(alternative, slot);
        foreach (var ending in plot.KindEndings) Add(ending, PlotSentences.Kind);
        foreach (var ending in plot.HarshEndings) Add(ending, PlotSentences.Harsh);
        return new PlotSentences([.. texts.Select(Bigrams)], [.. parts], plot.Middle.Length);
    }

    /// <summary>The sentences (and dialogue lines) of a text: split after . ! or ? (and a closing quote) where the next
    /// word starts a sentence (not before a speech tag such as "asked Mia."), and at line breaks.</summary>
    public static List<string> Sentences(string text) =>
        [.. SentenceBreak().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0 && Words.Of(s).Count > 0)];

    private static bool Finished(string sentence)
    {
        var text = sentence.TrimEnd('"', '”');
        return text.Length > 0 && text[^1] is '.' or '!' or '?' || sentence.EndsWith(",\"", StringComparison.Ordinal) || sentence.EndsWith(",”", StringComparison.Ordinal);
    }

    // Word bigrams (lower case), or the single word of a one-word sentence, as a multiset.
    private static Dictionary<string, int> Bigrams(string sentence)
    {
        var words = Words.Lower(sentence);
        var grams = new Dictionary<string, int>(StringComparer.Ordinal);
        if (words.Count == 1) grams[words[0]] = 1;
        for (var i = 1; i < words.Count; i++)
        {
            var key = words[i - 1] + " " + words[i];
            grams[key] = grams.GetValueOrDefault(key) + 1;
        }
        return grams;
    }

    [GeneratedRegex(@"(?<=[.!?][""”]?)\s+(?=[\p{Lu}""“])|\n", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceBreak();

    private sealed record PlotSentences(Dictionary<string, int>[] Grams, int[] Parts, int Slots)
    {
        public const int Kind = -1, Harsh = -2;

        /// <summary>The known sentence with the highest Dice coefficient at or above the threshold, or −1.</summary>
        public int BestMatch(Dictionary<string, int> sentence)
        {
            var (best, bestDice) = (-1, MatchThreshold);
            var size = sentence.Values.Sum();
            for (var i = 0; i < Grams.Length; i++)
            {
                var known = Grams[i];
                var common = 0;
                foreach (var (gram, count) in sentence)
                    if (known.TryGetValue(gram, out var k)) common += Math.Min(count, k);
                var dice = 2.0 * common / (size + known.Values.Sum());
                if (dice >= bestDice) (best, bestDice) = (i, dice);
            }
            return best;
        }
    }
}

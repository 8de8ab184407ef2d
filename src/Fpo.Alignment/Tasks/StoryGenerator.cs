using System.Text;
using System.Text.RegularExpressions;

namespace Fpo.Alignment.Tasks;

/// <summary>
/// Seeded procedural stories and dialogues. Sample i is a pure function of (seed, i): its plan (plot, cast, place,
/// object, the alternative drawn for every slot) comes from one random stream and each flaw's details from streams of
/// their own, so <see cref="Sample(long, StoryFlaws)"/> renders the same story with any set of flaws and the good and
/// flawed versions differ only where the flaw puts them.
/// </summary>
public sealed partial class StoryGenerator
{
    /// <summary>Changes whenever the generated text changes for the same settings, so cached corpora are rebuilt.</summary>
    public const int Version = 2;

    private readonly StoryGeneratorSettings _settings;

    public StoryGenerator(StoryGeneratorSettings settings) => _settings = settings.Validate();

    public StoryGeneratorSettings Settings => _settings;

    /// <summary>Sample <paramref name="index"/> with flaws drawn at the configured rates.</summary>
    public StorySample Sample(long index)
    {
        var r = Stream(index, 1);
        var flaws = StoryFlaws.None;
        if (r.NextDouble() < _settings.RepetitionRate) flaws |= StoryFlaws.Repetition;
        if (r.NextDouble() < _settings.HarshRate) flaws |= StoryFlaws.Harsh;
        if (r.NextDouble() < _settings.UnfinishedRate) flaws |= StoryFlaws.Unfinished;
        if (r.NextDouble() < _settings.OffTopicRate) flaws |= StoryFlaws.OffTopic;
        return Sample(index, flaws);
    }

    /// <summary>Sample <paramref name="index"/>'s story rendered with exactly <paramref name="flaws"/>.</summary>
    public StorySample Sample(long index, StoryFlaws flaws)
    {
        var plan = Stream(index, 0);
        var dialogue = plan.NextDouble() < _settings.DialogueShare;
        var plots = dialogue ? DialoguePlots.All : StoryPlots.All;
        var plot = plots[plan.Next(plots.Length)];
        var cast = Cast.Draw(plan, exclude: []);
        var prompt = Fill(Pick(plan, plot.Prompts), cast, dialogue);
        var units = Units(plot, cast, plan, flaws.HasFlag(StoryFlaws.Harsh));

        if (flaws.HasFlag(StoryFlaws.OffTopic))
        {
            // Strangers act out another plot of the same form: the prompt's characters and topic vanish together.
            var r = Stream(index, 2);
            var other = plots[(Array.IndexOf(plots, plot) + 1 + r.Next(plots.Length - 1)) % plots.Length];
            units = Units(other, Cast.Draw(r, exclude: [cast.A, cast.B]), r, flaws.HasFlag(StoryFlaws.Harsh));
        }
        if (flaws.HasFlag(StoryFlaws.Repetition)) units = Repeat(units, Stream(index, 3));
        var separator = dialogue ? "\n" : " ";
        var continuation = separator + string.Join(separator, units);
        if (flaws.HasFlag(StoryFlaws.Unfinished)) continuation = Cut(continuation, Stream(index, 4));
        return new StorySample(prompt, continuation, flaws, dialogue);
    }

    /// <summary>The middle (one alternative per slot) and an ending, filled in; every alternative is drawn whatever the
    /// ending, so the kind and the harsh version share their middle.</summary>
    private static List<string> Units(StoryPlot plot, Cast cast, Random r, bool harsh)
    {
        var units = plot.Middle.Select(slot => Fill(Pick(r, slot), cast, plot.IsDialogue)).ToList();
        var kind = Pick(r, plot.KindEndings);
        var unkind = Pick(r, plot.HarshEndings);
        units.Add(Fill(harsh ? unkind : kind, cast, plot.IsDialogue));
        return units;
    }

    // A loop: one middle unit said 3 to 6 times in a row; half the time the loop is where the text ends.
    private static List<string> Repeat(List<string> units, Random r)
    {
        var at = r.Next(units.Count - 1);
        var times = 3 + r.Next(4);
        var looped = units.Take(at).Concat(Enumerable.Repeat(units[at], times)).ToList();
        if (r.NextDouble() < 0.5) looped.AddRange(units.Skip(at + 1));
        return looped;
    }

    // Cut inside the last sentence: keep its first words, drop at least two, and never stop right after a mark that
    // ends a sentence, so the text reads as broken off.
    private static string Cut(string text, Random r)
    {
        var start = LastSentenceStart(text);
        var words = new List<int>();  // offsets where a word after the sentence's first one begins
        for (var i = start + 1; i < text.Length; i++)
            if (text[i - 1] == ' ' && text[i] != ' ') words.Add(i);
        var cuts = words.Take(Math.Max(1, words.Count - 1))
            .Where(i => !EndsSentence(text.AsSpan(0, i - 1)))
            .ToList();
        var cut = cuts.Count > 0 ? cuts[r.Next(cuts.Count)] - 1 : text.Length;
        var kept = text[..cut].TrimEnd(' ', ',', ';', ':', '"');
        return EndsSentence(kept) ? kept.TrimEnd('.', '!', '?', '"') : kept;
    }

    private static int LastSentenceStart(string text)
    {
        var trimmed = text.TrimEnd().TrimEnd('"');
        for (var i = trimmed.Length - 2; i > 0; i--)
            if (trimmed[i] is '.' or '!' or '?' or '\n' && i + 1 < trimmed.Length && trimmed[i + 1] is ' ' or '\n' or '"')
                return i + 1;
        return 0;
    }

    private static bool EndsSentence(ReadOnlySpan<char> text)
    {
        var t = text.TrimEnd().TrimEnd('"');
        return t.Length > 0 && t[^1] is '.' or '!' or '?';
    }

    private static string Pick(Random r, string[] choices) => choices[r.Next(choices.Length)];

    /// <summary>A template with the cast filled in, as the generator writes it (turns of a dialogue as quoted speech).</summary>
    internal static string Render(string template, string a, string b, string place, string obj, string opener, bool dialogue) =>
        Fill(template, new Cast(a, b, place, obj, opener), dialogue);

    private static string Fill(string template, Cast cast, bool dialogue)
    {
        var text = new StringBuilder(template)
            .Replace("{A}", cast.A).Replace("{B}", cast.B).Replace("{P}", cast.Place).Replace("{X}", cast.Object).Replace("{O}", cast.Opener)
            .ToString();
        return dialogue ? Turn().Replace(text, Quote) : text;
    }

    // A turn "Mia: Shall we go?" is written "\"Shall we go?\" asked Mia.": the speaker's name then follows a space
    // mid-sentence, the same token as in narration, so the model learns one name to carry through the text.
    private static string Quote(Match turn)
    {
        var (speaker, words) = (turn.Groups[1].Value, turn.Groups[2].Value);
        return words[^1] switch
        {
            '?' => $"\"{words}\" asked {speaker}.",
            '.' => $"\"{words[..^1]},\" said {speaker}.",
            _ => $"\"{words}\" said {speaker}.",
        };
    }

    [GeneratedRegex(@"^(\p{Lu}\p{L}+): (.+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex Turn();

    // Stream k of sample i: splitmix64 of (seed, i, k), so samples and their flaws do not share random draws.
    private Random Stream(long index, int k)
    {
        var z = (ulong)_settings.Seed * 0x9E3779B97F4A7C15UL ^ (ulong)index * 0xBF58476D1CE4E5B9UL ^ (ulong)k * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return new Random((int)((z ^ (z >> 31)) & 0x7FFFFFFF));
    }

    private sealed record Cast(string A, string B, string Place, string Object, string Opener)
    {
        public static Cast Draw(Random r, string[] exclude)
        {
            var names = StoryWords.Names.Except(exclude).ToArray();
            var a = r.Next(names.Length);
            var b = (a + 1 + r.Next(names.Length - 1)) % names.Length;
            return new Cast(names[a], names[b], Pick(r, StoryWords.Places), Pick(r, StoryWords.Objects), Pick(r, StoryWords.Openers));
        }
    }
}

using System.Text.RegularExpressions;
using Fpo.Alignment.Judges.Config;

namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// Reads a constitution from YAML: <c>temperature</c>, <c>margin</c> and a list of <c>principles</c>, each with a
/// <c>name</c>, a <c>weight</c> (default 1) and exactly one scoring function:
/// <c>keywords: {reward: [...], penalise: [...]}</c>, <c>regex: {reward: [...], penalise: [...]}</c>,
/// <c>length: {min_words, max_words}</c>, <c>repetition: {n}</c>, <c>sentiment: {positive: [...], negative: [...]}</c>
/// (both optional: the built-in lexicon), <c>entities: {}</c>, <c>strangers: {}</c>, <c>complete_sentence: {}</c>,
/// <c>story_plot: {}</c>, <c>plot_words: {}</c> and <c>known_words: {}</c> (the built-in story task's plots and words; see
/// <see cref="Tasks.StoryPlotScore"/>, <see cref="Tasks.PlotWordsScore"/> and <see cref="Tasks.KnownWordsScore"/>).
/// Errors name the file, line and key.
/// </summary>
public static class ConstitutionFile
{
    public const string Keywords = "keywords", Regex = "regex", Length = "length", Repetition = "repetition",
        Sentiment = "sentiment", Entities = "entities", Strangers = "strangers", CompleteSentence = "complete_sentence",
        StoryPlot = "story_plot", PlotWords = "plot_words", KnownWords = "known_words";

    private static readonly string[] Functions = [Keywords, Regex, Length, Repetition, Sentiment, Entities, Strangers, CompleteSentence, StoryPlot, PlotWords, KnownWords];

    public static ConstitutionJudge Load(string path)
    {
        var yaml = YamlSection.Load(path);
        yaml.Allow("kind");
        var judge = Read(yaml, yaml.OptionalString("name") ?? "constitution");
        yaml.RejectUnknown();
        return judge;
    }

    /// <summary>The constitution held in <paramref name="yaml"/> (its other keys are the caller's to check).</summary>
    public static ConstitutionJudge Read(YamlSection yaml, string name)
    {
        var temperature = yaml.Double("temperature", 1);
        if (!(temperature > 0)) throw yaml.Error("temperature", $"must be positive (got {temperature})");
        var margin = yaml.Double("margin", 0.05);
        if (!(margin is >= 0 and < 0.5)) throw yaml.Error("margin", $"must be in [0, 0.5) (got {margin})");
        var sections = yaml.Sections("principles");
        if (sections.Count == 0) throw yaml.Error("principles", "needs at least one principle");
        return new ConstitutionJudge(sections.Select(Principle).ToList(), temperature, margin, name, Path.GetFileName(yaml.File));
    }

    private static Principle Principle(YamlSection p)
    {
        var name = p.String("name");
        var weight = p.Double("weight", 1);
        var given = Functions.Where(p.Has).ToList();
        if (given.Count != 1)
            throw p.Error("", $"principle '{name}' needs exactly one scoring function of {string.Join(", ", Functions)} (found {(given.Count == 0 ? "none" : string.Join(", ", given))})");
        var f = p.Section(given[0]);
        IScoringFunction function = given[0] switch
        {
            Keywords => new KeywordScore(f.Strings("reward"), f.Strings("penalise")),
            Regex => new RegexScore(Patterns(f, "reward"), Patterns(f, "penalise")),
            Length => LengthWindow(f),
            Repetition => RepetitionOf(f),
            Sentiment => new SentimentScore(f.Has("positive") || f.Has("negative")
                ? new SentimentLexicon(f.Strings("positive"), f.Strings("negative")) : SentimentLexicon.BuiltIn),
            Entities => new EntityMentionScore(),
            Strangers => new StrangerScore(),
            StoryPlot => new Tasks.StoryPlotScore(),
            PlotWords => new Tasks.PlotWordsScore(),
            KnownWords => new Tasks.KnownWordsScore(),
            _ => new CompleteSentenceScore(),
        };
        if (given[0] is Keywords or Regex && !f.Has("reward") && !f.Has("penalise")) throw f.Error("", "needs a 'reward' or a 'penalise' list");
        f.RejectUnknown();
        p.RejectUnknown();
        return new Principle(name, weight, function);
    }

    private static RepetitionScore RepetitionOf(YamlSection f)
    {
        var n = f.Int("n", 3);
        return n >= 1 ? new RepetitionScore(n) : throw f.Error("n", $"must be at least 1 (got {n})");
    }

    private static LengthWindowScore LengthWindow(YamlSection f)
    {
        var min = f.Int("min_words", 0);
        var max = f.Int("max_words", int.MaxValue);
        if (min < 0) throw f.Error("min_words", $"must be >= 0 (got {min})");
        if (max < Math.Max(1, min)) throw f.Error("max_words", $"must be >= min_words ({min}) and >= 1 (got {max})");
        return new LengthWindowScore(min, max);
    }

    private static List<Regex> Patterns(YamlSection f, string key) =>
        f.Strings(key).Select((pattern, i) =>
        {
            try
            {
                return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw f.Error(key, $"pattern {i} '{pattern}' is not a valid regular expression ({e.Message})");
            }
        }).ToList();
}

namespace Fpo.Alignment.Judges.Constitution;

/// <summary>
/// The fraction of the context's entities that the response mentions, in [0, 1]; 0 when the context has none. Entities
/// are the context's numbers and capitalised words that do not start a sentence (a sentence's first word is capitalised
/// whatever it is); a mention is the same word, case-sensitively.
/// </summary>
public sealed class EntityMentionScore : IScoringFunction
{
    public double Score(string context, string response)
    {
        var entities = Entities(context);
        if (entities.Count == 0) return 0;
        var said = Words.Of(response).ToHashSet(StringComparer.Ordinal);
        return (double)entities.Count(said.Contains) / entities.Count;
    }

    public static HashSet<string> Entities(string context)
    {
        var entities = new HashSet<string>(StringComparer.Ordinal);
        var sentenceStart = true;
        foreach (var token in context.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var word in Words.Of(token))
                if (char.IsDigit(word[0]) || (!sentenceStart && char.IsUpper(word[0]) && word.Length > 1)) entities.Add(word);
            sentenceStart = token[^1] is '.' or '!' or '?' or ':';
        }
        return entities;
    }
}

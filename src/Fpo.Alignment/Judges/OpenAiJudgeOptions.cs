namespace Fpo.Alignment.Judges;

/// <summary>
/// What an <see cref="OpenAiJudge"/> asks and how it reads the answer. Where it asks (server, key, retries, timeouts,
/// rate limits) is the chat client's business: see <see cref="Chat.ChatServer"/>.
/// </summary>
public sealed record OpenAiJudgeOptions
{
    public string Name { get; init; } = "openai";

    public RlaifPrompt Prompt { get; init; } = new();

    /// <summary>Ask for a rationale first (temperature 0), then for the answer after it.</summary>
    public bool ChainOfThought { get; init; }
    public int RationaleMaxTokens { get; init; } = 256;

    /// <summary>Completion tokens allowed for the answer; the label is read at the first one.</summary>
    public int AnswerMaxTokens { get; init; } = 4;

    /// <summary>Ask for log-probabilities (false for servers that refuse them: the text answer is parsed instead).</summary>
    public bool LogProbs { get; init; } = true;
    /// <summary>Alternatives per position; the OpenAI API allows at most 20.</summary>
    public int TopLogProbs { get; init; } = 20;

    /// <summary>|P(A) − 0.5| below this is an abstention.</summary>
    public double Margin { get; init; } = 0.05;

    /// <summary>Verdicts of single orders kept (LRU); 0 turns the cache off.</summary>
    public int CacheEntries { get; init; } = 10_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public OpenAiJudgeOptions Validate()
    {
        static void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"{name} = {value}: {rule}", name);
        }
        Check(RationaleMaxTokens >= 1, "rationale_max_tokens", RationaleMaxTokens, "must be at least 1");
        Check(AnswerMaxTokens >= 1, "answer_max_tokens", AnswerMaxTokens, "must be at least 1");
        Check(TopLogProbs is >= 1 and <= 20, "top_logprobs", TopLogProbs, "must be in 1..20 (the OpenAI API's range)");
        Check(Margin is >= 0 and < 0.5, "margin", Margin, "must be in [0, 0.5)");
        Check(CacheEntries >= 0, "cache_entries", CacheEntries, "must be >= 0 (0 = no cache)");
        return this;
    }
}

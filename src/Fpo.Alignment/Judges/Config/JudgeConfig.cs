using Fpo.Alignment.Judges.Constitution;
using Fpo.Models.Checkpoints;
using Fpo.Models.Tokenization;

namespace Fpo.Alignment.Judges.Config;

/// <summary>
/// A judge from a YAML file. <c>kind</c> selects it:
/// <list type="bullet">
/// <item><c>openai</c>: the chat server's keys with its URL as <c>endpoint</c> (see <see cref="ChatServerConfig"/>:
/// <c>provider</c>, <c>endpoint</c>, <c>model</c>, <c>api_key_env</c>, timeouts, retries, <c>max_tokens_field</c>, rate
/// limits), and <c>margin</c>, <c>chain_of_thought</c>, <c>logprobs</c>, <c>top_logprobs</c>,
/// <c>answer_max_tokens</c>, <c>rationale_max_tokens</c>, <c>cache_entries</c>, <c>prompt</c>;</item>
/// <item><c>model</c>: <c>path</c> (a Hugging Face model folder), <c>margin</c>, <c>prompt</c>;</item>
/// <item><c>constitution</c>: the principles inline (<see cref="ConstitutionFile"/>) or <c>file</c>;</item>
/// <item><c>all-of</c> / <c>mixture</c>: <c>members</c>, a list of judges written the same way (or <c>file: other.yaml</c>),
/// each with an optional <c>weight</c>.</item>
/// </list>
/// <c>prompt</c> holds <c>preamble</c>, <c>ending</c>, <c>rationale_request</c> and <c>examples</c>
/// (<c>context</c>, <c>response_1</c>, <c>response_2</c>, <c>preferred</c>, <c>rationale</c>). Every judge takes a
/// <c>name</c>. Relative paths are resolved against the file's folder; unknown keys are errors.
/// </summary>
public static class JudgeConfig
{
    public const string OpenAi = "openai", Model = "model", Constitution = "constitution", AllOf = "all-of", Mixture = "mixture";
    private static readonly string[] Kinds = [OpenAi, Model, Constitution, AllOf, Mixture];

    public static IJudge Load(string path) => Read(YamlSection.Load(path));

    /// <summary>The judge described by <paramref name="yaml"/>; every key of it must be known.</summary>
    public static IJudge Read(YamlSection yaml)
    {
        var kind = yaml.String("kind");
        var name = yaml.OptionalString("name") ?? kind;
        IJudge judge = kind switch
        {
            OpenAi => OpenAiOf(yaml, name),
            Model => ModelOf(yaml, name),
            Constitution => yaml.OptionalString("file") is { } file ? ConstitutionFile.Load(Resolve(yaml, file)) : ConstitutionFile.Read(yaml, name),
            AllOf or Mixture => Combinator(yaml, kind == AllOf ? CombinationMode.AllOf : CombinationMode.Mixture, yaml.OptionalString("name")),
            _ => throw yaml.Error("kind", $"unknown judge kind '{kind}' (expected one of {string.Join(", ", Kinds)})"),
        };
        yaml.RejectUnknown();
        return judge;
    }

    private static OpenAiJudge OpenAiOf(YamlSection y, string name)
    {
        var server = ChatServerConfig.Read(y, "endpoint");
        var options = y.Validated(() => new OpenAiJudgeOptions
        {
            Name = name,
            Prompt = y.OptionalSection("prompt") is { } p ? Prompt(p) : new RlaifPrompt(),
            ChainOfThought = y.Bool("chain_of_thought", false),
            RationaleMaxTokens = y.Int("rationale_max_tokens", 256),
            AnswerMaxTokens = y.Int("answer_max_tokens", 4),
            LogProbs = y.Bool("logprobs", true),
            TopLogProbs = y.Int("top_logprobs", 20),
            Margin = y.Double("margin", 0.05),
            CacheEntries = y.Int("cache_entries", 10_000),
        }.Validate());
        return OpenAiJudge.Connect(server, options);
    }

    private static ModelJudge ModelOf(YamlSection y, string name)
    {
        var dir = Resolve(y, y.String("path"));
        var margin = y.Double("margin", 0.05);
        if (!(margin is >= 0 and < 0.5)) throw y.Error("margin", $"must be in [0, 0.5) (got {margin})");
        var prompt = y.OptionalSection("prompt") is { } p ? Prompt(p) : new RlaifPrompt();
        try
        {
            var tokenizer = HuggingFaceTokenizerFile.Load(Path.Combine(dir, "tokenizer.json"));
            var (_, model) = HuggingFaceCheckpoint.Load(dir);
            return new ModelJudge(model, tokenizer, Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar)), prompt, margin, name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or ArgumentException or NotSupportedException)
        {
            throw y.Error("path", $"cannot load the model folder {dir}: {e.Message}");
        }
    }

    private static JudgeCombinator Combinator(YamlSection y, CombinationMode mode, string? name)
    {
        var members = y.Sections("members");
        if (members.Count == 0) throw y.Error("members", "needs at least one judge");
        var judges = members.Select(m =>
        {
            var weight = m.Double("weight", 1);
            if (!(weight > 0)) throw m.Error("weight", $"must be positive (got {weight})");
            if (m.OptionalString("file") is { } file && !m.Has("kind"))
            {
                m.RejectUnknown();
                return (Load(Resolve(m, file)), weight);
            }
            return (Read(m), weight);
        }).ToList();
        return new JudgeCombinator(mode, judges, name);
    }

    private static RlaifPrompt Prompt(YamlSection p)
    {
        var defaults = new RlaifPrompt();
        var prompt = new RlaifPrompt
        {
            Preamble = p.OptionalString("preamble") ?? defaults.Preamble,
            Ending = p.OptionalString("ending") ?? defaults.Ending,
            RationaleRequest = p.OptionalString("rationale_request") ?? defaults.RationaleRequest,
            Examples = p.Has("examples") ? p.Sections("examples").Select(Example).ToList() : [],
        };
        p.RejectUnknown();
        return prompt;
    }

    private static FewShotExample Example(YamlSection e)
    {
        var preferred = e.Int("preferred", 0);
        if (preferred is not (1 or 2)) throw e.Error("preferred", $"must be 1 or 2 (got {(e.Has("preferred") ? preferred : "nothing")})");
        var example = new FewShotExample(e.String("context"), e.String("response_1"), e.String("response_2"), preferred, e.OptionalString("rationale") ?? "");
        e.RejectUnknown();
        return example;
    }

    private static string Resolve(YamlSection y, string path) => Path.GetFullPath(Path.Combine(y.Directory, path));
}

using Fpo.Alignment.Chat;
using Fpo.Alignment.Judges;
using Fpo.Alignment.Judges.Config;
using Microsoft.AspNetCore.Http;
using static Fpo.Silo.Tests.Judges.ScriptedJudge;

namespace Fpo.Silo.Tests.Judges;

/// <summary>
/// What the judge sends and how it reads the answer, against a scripted server on 127.0.0.1: the text answer when
/// there are no log-probs, chain-of-thought, the key from the environment, the token limit as <c>max_tokens</c> for
/// servers that know only that name, Azure OpenAI's deployment endpoints, and a judge built from YAML.
/// </summary>
public sealed class OpenAiJudgeRequestTests
{
    [Fact]
    public async Task AnswersAreParsedFromTextWhenThereAreNoLogProbs()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200,
            ScriptedServer.Completion(call.Prompt.Contains("Response 1: hello there", StringComparison.Ordinal) ? "Response 1" : " 2.")));
        using var judge = Connect(server, changeJudge: o => o with { LogProbs = false });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(1, verdict.ProbabilityA);
        Assert.Equal(1, judge.Counters.PositionConsistent);
        Assert.All(server.Calls, c => Assert.False(c.Body.TryGetProperty("logprobs", out _)));
    }

    [Fact]
    public async Task LogProbsAreAskedForAndReadBackThroughTheOpenAiOptions()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200, ByOrder(call)));
        using var judge = Connect(server, changeJudge: o => o with { TopLogProbs = 7 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        // the sampled tokens alone ("1" first, "2" second) would read as 1 and 0: 0.9 and 0.8 come from the log-probs
        Assert.Equal(0.9, verdict.AFirst!.Value, 1e-5);
        Assert.Equal(0.8, verdict.ASecond!.Value, 1e-5);
        Assert.Equal("tiny", judge.Model);
        Assert.All(server.Calls, c =>
        {
            Assert.True(c.Body.GetProperty("logprobs").GetBoolean());
            Assert.Equal(7, c.Body.GetProperty("top_logprobs").GetInt32());
            Assert.Equal(0, c.Body.GetProperty("temperature").GetDouble());
        });
    }

    [Fact]
    public async Task ChainOfThoughtAsksForARationaleAtTemperatureZeroThenTheAnswerAfterIt()
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => ScriptedServer.Reply(context, 200,
            call.Prompt.EndsWith(RlaifPrompt.DefaultRationaleRequest, StringComparison.Ordinal) ? ScriptedServer.Completion("Hello there is friendly.") : ByOrder(call)));
        using var judge = Connect(server, changeJudge: o => o with { ChainOfThought = true, RationaleMaxTokens = 40 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(0.85, verdict.ProbabilityA!.Value, 1e-5);
        var calls = server.Calls;
        Assert.Equal(4, calls.Count);
        var rationales = calls.Where(c => c.Prompt.EndsWith(RlaifPrompt.DefaultRationaleRequest, StringComparison.Ordinal)).ToList();
        var answers = calls.Except(rationales).ToList();
        Assert.Equal(2, rationales.Count);
        Assert.All(answers, c => Assert.EndsWith(RlaifPrompt.DefaultRationaleRequest + " Hello there is friendly.\nPreferred Response=", c.Prompt));
        Assert.All(calls, c => Assert.Equal(0, c.Body.GetProperty("temperature").GetDouble()));
        Assert.All(rationales, c => Assert.False(c.Body.TryGetProperty("logprobs", out _)));
        Assert.All(rationales, c => Assert.Equal(40, c.Body.GetProperty("max_tokens").GetInt32()));
        Assert.All(answers, c => Assert.True(c.Body.GetProperty("logprobs").GetBoolean()));
    }

    // Runs a test with a fresh environment variable that holds the key, named by the test's argument.
    private static async Task WithKeyAsync(string key, Func<string, Task> test)
    {
        var variable = $"FPO_TEST_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            await test(variable);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public Task TheKeyComesFromTheNamedEnvironmentVariable() => WithKeyAsync("secret", async variable =>
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => call.Authorization == "Bearer secret"
            ? ScriptedServer.Reply(context, 200, ByOrder(call))
            : ScriptedServer.Reply(context, 401, ScriptedServer.Error("bad key", "invalid_request_error")));
        using var judge = Connect(server, s => s with { ApiKeyVariable = variable });
        Assert.True((await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken)).IsLabel);
    });

    // A server of the kind that refuses fields it does not know: max_completion_tokens is an error, max_tokens required.
    private static Task Refusing(ScriptedCall call, HttpContext context) =>
        call.Body.TryGetProperty("max_completion_tokens", out _) || !call.Body.TryGetProperty("max_tokens", out _)
            ? ScriptedServer.Reply(context, 400, ScriptedServer.Error("max_completion_tokens: Extra inputs are not permitted", "invalid_request_error"))
            : ScriptedServer.Reply(context, 200, ByOrder(call));

    // A server of the kind that ignores unknown fields: without max_tokens it talks until its own limit, and the
    // digit is nowhere near the start of what it says.
    private static Task Rambling(ScriptedCall call, HttpContext context) =>
        call.Body.TryGetProperty("max_tokens", out _)
            ? ScriptedServer.Reply(context, 200, ByOrder(call))
            : ScriptedServer.Reply(context, 200, ScriptedServer.Completion(string.Concat(Enumerable.Repeat("Let me think about both responses. ", 60)) + "So 1."));

    public static TheoryData<string> OldServers => ["refusing", "rambling"];

    [Theory]
    [MemberData(nameof(OldServers))]
    public async Task AServerThatKnowsOnlyMaxTokensGetsItsLimitUnderThatName(string kind)
    {
        Func<ScriptedCall, HttpContext, Task> respond = kind == "refusing" ? Refusing : Rambling;
        await using var server = await ScriptedServer.StartAsync(respond);
        using var judge = Connect(server, changeJudge: o => o with { AnswerMaxTokens = 3 });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(0.85, verdict.ProbabilityA!.Value, 1e-5);
        Assert.All(server.Calls, c =>
        {
            Assert.Equal(3, c.Body.GetProperty("max_tokens").GetInt32());
            Assert.False(c.Body.TryGetProperty("max_completion_tokens", out _));
        });

        // The same server with the limit under the new name: what the default protects against.
        await using var again = await ScriptedServer.StartAsync(respond);
        using var modern = Connect(again, s => s with { MaxTokensField = MaxTokensField.MaxCompletionTokens, MaxRetries = 0 });
        var failed = await modern.JudgeAsync(Pair, TestContext.Current.CancellationToken);
        Assert.Equal(kind == "refusing" ? AbstentionReason.CallFailed : AbstentionReason.Unparsable, failed.Abstention);
        Assert.All(again.Calls, c => Assert.Equal(4, c.Body.GetProperty("max_completion_tokens").GetInt32()));
    }

    [Fact]
    public Task AzureDeploymentsAreAskedAtTheirPathWithTheKeyInItsHeader() => WithKeyAsync("azure-secret", async variable =>
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => call.ApiKey == "azure-secret"
            ? ScriptedServer.Reply(context, 200, ByOrder(call))
            : ScriptedServer.Reply(context, 401, ScriptedServer.Error("bad key", "invalid_request_error")));
        var resource = new Uri(server.Endpoint, "/");
        using var judge = Connect(server, s => s with { Provider = ChatProvider.Azure, Endpoint = resource, Model = "judge-deployment", ApiKeyVariable = variable });
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(0.85, verdict.ProbabilityA!.Value, 1e-5);  // from the log-probs: Azure's client is OpenAI's underneath
        Assert.All(server.Calls, c => Assert.StartsWith("/openai/deployments/judge-deployment/chat/completions?api-version=", c.Path));
        Assert.All(server.Calls, c => Assert.Equal(4, c.Body.GetProperty("max_tokens").GetInt32()));
    });

    [Fact]
    public Task AJudgeFromYamlTalksToItsServerAsConfigured() => WithKeyAsync("yaml-secret", async variable =>
    {
        await using var server = await ScriptedServer.StartAsync((call, context) => call.Attempt == 1
            ? ScriptedServer.Reply(context, 503, ScriptedServer.Error("warming up", "server_error"))
            : ScriptedServer.Reply(context, 200, ByOrder(call)));
        var yaml = $$"""
            kind: openai
            name: yaml-judge
            provider: openai
            endpoint: {{server.Endpoint}}
            model: tiny
            api_key_env: {{variable}}
            max_tokens_field: max_completion_tokens
            answer_max_tokens: 2
            top_logprobs: 5
            timeout_seconds: 5
            max_retries: 1
            initial_backoff_seconds: 0
            prompt: {preamble: Which is better?}
            """;
        using var judge = Assert.IsType<OpenAiJudge>(JudgeConfig.Read(YamlSection.Parse(yaml, "judge.yaml", ".")));
        var verdict = await judge.JudgeAsync(Pair, TestContext.Current.CancellationToken);

        Assert.Equal(0.85, verdict.ProbabilityA!.Value, 1e-5);
        Assert.Equal(("yaml-judge", "tiny"), (judge.Name, judge.Model));
        Assert.Equal(2, judge.Counters.Retries);
        Assert.All(server.Calls, c =>
        {
            Assert.Equal("Bearer yaml-secret", c.Authorization);
            Assert.Equal(2, c.Body.GetProperty("max_completion_tokens").GetInt32());
            Assert.Equal(5, c.Body.GetProperty("top_logprobs").GetInt32());
        });
    });
}
